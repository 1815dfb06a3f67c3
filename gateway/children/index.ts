/**
 * A gateway's child devices: the MCU on each of its serial ports as a fleet device (tier 3,
 * parent = the gateway, a stable id from the chip's own id), and the applier that carries out
 * `mcu-firmware` plans for them: target and cohort per child, the artifact verified through the
 * node's content store, the image checked for the chip, an OTA over the bridge protocol, and the
 * child's DeviceReport into the node's report outbox.
 *
 * @example
 * ```ts
 * import { childApplier, childRegistry } from './index.js'
 * import { consoleLogger } from '../../node/logging/index.js'
 * import { systemClock } from '../../node/ports/index.js'
 * declare const outbox: { append(draft: import('../../node/plans/index.js').ReportDraft): Promise<unknown> }
 * declare const fetchArtifact: (manifest: import('../../content/manifest/index.js').ManifestJson) => Promise<string>
 * const c = { clock: systemClock(), logger: consoleLogger() }
 * const registry = childRegistry({ ports: [{ path: '/dev/ttyUSB0', mcu: 'esp32', baudRate: 115200, mode: '8n1' }], storageDir: '/var/lib/fleetd' })({
 *   ...c, gatewayId: '12D3KooW…', gatewayName: 'pi-lab'
 * })
 * await registry.start()
 * const applier = await childApplier('/var/lib/fleetd')({
 *   ...c, outbox, fetchArtifact, children: () => registry.list(), deviceInfo: id => registry.deviceInfo(id),
 *   flash: async (id, image, version, options) => await registry.update(id, image, version, options)
 * })
 * console.log(registry.list().map(child => `${child.id} runs ${child.firmwareVersion}`), applier)
 * await registry.stop()
 * ```
 */
import { ChildApplier } from './child-applier.js'
import { ChildRecords } from './child-records.js'
import { ChildRegistry } from './child-registry.js'
import type { ManifestJson } from '../../content/manifest/index.js'
import type { ComponentLogger } from '../../node/logging/index.js'
import type { ManifestLookup, ReportDraft } from '../../node/plans/index.js'
import type { Clock } from '../../node/ports/index.js'
import type { DeviceInfo } from '../bridge/index.js'
import type { SerialMode } from '../link/index.js'

export type McuKind = 'esp32' | 'stm32' | 'lora'
export const MCU_KINDS: readonly McuKind[] = ['esp32', 'stm32', 'lora']

/** One serial port of a gateway (`fleet-node join --gateway PATH --mcu KIND [--baud N] [--mode M]`). */
export interface GatewayPortSpec {
  path: string
  mcu: McuKind
  baudRate: number
  mode: SerialMode
  /** For `lora`: the file listing the end devices the modem serves. */
  loraDevices?: string
  /** For `lora`: the Ed25519 key (PKCS#8 PEM) that signs envelopes; the devices hold its public key. */
  loraKey?: string
}

/** What one child's update ended in, as the report body the applier files for it. */
export interface FlashOutcome {
  ok: boolean
  runningVersion: string
  report: Omit<ReportDraft, 'deploymentId' | 'planSeq' | 'deviceId'>
}

/**
 * The image a child runs, as far as the gateway knows it: the base a LoRa delivery can send an
 * FLD1 delta against, or why there is none (the update then goes out as the full image).
 */
export type ChildBase = { version: string, image: Uint8Array } | { version: string, missing: string }

/** Options of one child's update. */
export interface FlashOptions {
  /** For LoRa children: what the device runs (gateway/lora/README.md "Deltas from the gateway"). */
  base?: ChildBase
}

/** A child as the fleet sees it (announced in the gateway's presence). */
export interface ChildDevice {
  /** `esp32-<uid hex>`, `stm32-<uid hex>`, `lora-<DevAddr>`: stable across gateway restarts. */
  id: string
  name: string
  /** The chip (`esp32`, `esp32s3`, `stm32`): what artifacts name as their platform. */
  platform: string
  tier: 3 | 4
  /** The gateway's device id. */
  parent: string
  /** What runs on the device now ('' when no valid image runs). */
  firmwareVersion: string
  /** `mcu` (esp32 | stm32), `chip`, `gateway`: what deployment targets select on. */
  labels: Record<string, string>
  port: string
}

export interface PortStatus {
  path: string
  mcu: McuKind
  baudRate: number
  mode: SerialMode
  child?: string
  firmwareVersion?: string
  chip?: string
  /** A LoRa port's children (its devices file). */
  children?: string[]
  /** Why the port has no child now (no answer, wrong MCU family). */
  error?: string
  probedMs?: number
}

export interface ChildRegistryInit {
  ports: GatewayPortSpec[]
  /** @default PROBE_INTERVAL_MS */
  probeIntervalMs?: number
  /** @default PROBE_RETRY_MS */
  probeRetryMs?: number
  /** Where port locks live. @default portLockDir() */
  lockDir?: string
  /** Where LoRa ports keep their devices' envelope counters. */
  storageDir: string
}

export interface ChildRegistryComponents {
  clock: Clock
  logger: ComponentLogger
  gatewayId: string
  gatewayName: string
  /** A child appeared, left, or changed version: re-announce. */
  onChange?(): void
}

export type ChildOutcome =
  | { childId: string, kind: 'flashed' | 'already-current' | 'unchanged', version: string }
  | { childId: string, kind: 'skipped', reason: 'already-applied' | 'not-targeted' | 'not-in-cohort' }
  | { childId: string, kind: 'failed', code: string, message: string }

export interface ChildApplierComponents {
  clock: Pick<Clock, 'nowMs'>
  logger: ComponentLogger
  children(): ChildDevice[]
  /** INFO of a child's bridge (chip, secure_version) for the image check. */
  deviceInfo(childId: string): DeviceInfo | undefined
  /** The node's content store: fetches and verifies (signature, size, sha256); resolves to the file. */
  fetchArtifact(manifest: ManifestJson): Promise<string>
  flash(childId: string, image: Uint8Array, version: string, options?: FlashOptions): Promise<FlashOutcome>
  outbox: { append(draft: ReportDraft): Promise<unknown> }
  /** Keeps the running version's artifact from GC. */
  markRunning?(manifest: ManifestJson): Promise<void>
  /**
   * The verified bytes of `name@version` when the node's content store holds it (signature and
   * sha256 checked), else why not. Without it LoRa children always get full images.
   */
  heldArtifact?(ref: { name: string, version: string }): Promise<{ image: Uint8Array } | { missing: string }>
  /**
   * Pins (`child`) the held versions of `app` in `versions` and drops the `child` pins of its
   * other versions, so GC keeps exactly the delta bases of what the children run.
   */
  keepForChildren?(app: string, versions: string[]): Promise<{ pinned: string[], unpinned: string[] }>
  manifestFor?: ManifestLookup
}

export function childRegistry (init: ChildRegistryInit) {
  return (components: ChildRegistryComponents): ChildRegistry => new ChildRegistry(components, init)
}

/** Opens the per-child records in `<storageDir>/gateway/children.json`. */
export function childApplier (storageDir: string) {
  return async (components: ChildApplierComponents): Promise<ChildApplier> => new ChildApplier(components, await ChildRecords.open(storageDir))
}

export { ChildApplier, MCU_FIRMWARE_RUNTIME } from './child-applier.js'
export { ChildRegistry } from './child-registry.js'
export { childId } from './bridge-port.js'
export { loraChildId } from './lora-port.js'
export { lockPort, portLockDir, portLockPath } from './port-lock.js'
export type { PortLock } from './port-lock.js'
export { ChildFirmwareError, GatewayPortError, PortLockedError } from './errors.js'
export * from './constants.js'
