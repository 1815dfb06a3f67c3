/**
 * Full image or deltas: how one firmware update reaches a set of LoRa devices. A device whose
 * running image the gateway holds can take an FLD1 delta against it; devices on the same base
 * share one delta stream (a TS005 multicast group per base). A multicast stream costs airtime
 * once whatever the group's size, so:
 *
 * - if any device has no usable base, everyone takes the one full-image stream (adding delta
 *   streams next to a full stream would only add airtime: the full stream reaches everyone);
 * - otherwise one delta stream per base when the deltas together are smaller than the image,
 *   else the one full-image stream.
 *
 * Pure and synchronous (STYLE rule 4); the caller seals, sends and logs.
 */
import { strict as assert } from 'node:assert'
import { createHash } from 'node:crypto'
import { applyDelta, encodeDelta } from './delta.js'
import { LoraDeltaError } from './errors.js'

export interface DeliveryTarget<T> {
  device: T
  /** The image the device runs, when the gateway holds it (the delta's base). */
  base?: Uint8Array
  /** Why there is no base, for the log line (e.g. "1.0.0 is not held: never delivered through this gateway"). */
  baseMissing?: string
}

export type PlannedDelivery<T> =
  | { kind: 'full', devices: T[], why: string }
  | { kind: 'delta', devices: T[], delta: Uint8Array, baseSha256: string }

export function planDeliveries<T> (image: Uint8Array, targets: ReadonlyArray<DeliveryTarget<T>>, describe: (device: T) => string): Array<PlannedDelivery<T>> {
  const all = targets.map(t => t.device)
  const missing = targets.filter(t => t.base === undefined)
  if (missing.length > 0) {
    const why = missing.map(t => `${describe(t.device)}: ${t.baseMissing ?? 'no base image'}`).join('; ')
    return [{ kind: 'full', devices: all, why: `no delta base for ${why}` }]
  }
  const byBase = new Map<string, { base: Uint8Array, devices: T[] }>()
  for (const { device, base } of targets) {
    if (base === undefined) continue // none: every target has a base past the check above
    const key = createHash('sha256').update(base).digest('hex')
    const group = byBase.get(key)
    if (group === undefined) byBase.set(key, { base, devices: [device] })
    else group.devices.push(device)
  }
  const deltas: Array<PlannedDelivery<T> & { kind: 'delta' }> = []
  for (const [baseSha256, group] of byBase) {
    let delta: Uint8Array
    try {
      delta = encodeDelta(group.base, image)
    } catch (err) {
      if (!(err instanceof LoraDeltaError)) throw err
      return [{ kind: 'full', devices: all, why: err.message }]
    }
    // The encoder is ours: a delta that does not rebuild the image is a bug, never sent.
    assert.ok(Buffer.from(applyDelta(group.base, delta)).equals(image), 'FLD1 encoder produced a delta that does not rebuild the target')
    deltas.push({ kind: 'delta', devices: group.devices, delta, baseSha256 })
  }
  const deltaBytes = deltas.reduce((sum, d) => sum + d.delta.length, 0)
  if (deltaBytes >= image.length) {
    return [{ kind: 'full', devices: all, why: `the delta${deltas.length > 1 ? `s from ${deltas.length} base versions` : ''} (${deltaBytes} B) ${deltas.length > 1 ? 'are' : 'is'} not smaller than the image (${image.length} B)` }]
  }
  return deltas
}
