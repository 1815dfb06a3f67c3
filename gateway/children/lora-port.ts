/**
 * A gateway port with a LoRa modem (gateway/lora/MODEM.md): its children are the end devices
 * listed in the port's devices file (`--lora-devices FILE`), and a firmware update is one FUOTA
 * delivery (TS004 fragments with parity, one TS005 multicast stream when several devices take
 * the same image) under the port's duty-cycle ledger, which lives as long as the gateway does,
 * so deliveries of successive plans share the band's hourly budget.
 *
 * Versions: fleet versions are strings, the envelope's is a monotonic counter the device
 * checks (it refuses one not above what it runs). The gateway keeps each device's counter and
 * sends `counter + 1` for every install, also for a rollback, which is therefore the previous
 * image under a new counter. The counters survive restarts in `<storageDir>/gateway/`.
 *
 * Deltas: the applier passes each device's running image when the node's content store holds
 * it (`ChildBase`); `planDeliveries` decides between one full-image stream and one FLD1 delta
 * stream per base version, and the reports carry what a delta saved (`lora.fragmentsSaved`,
 * `lora.airtimeSavedMs`).
 */
import { createPrivateKey } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import { DutyCycleLedger } from '../lora/duty-cycle.js'
import { planDeliveries } from '../lora/delivery-plan.js'
import type { PlannedDelivery } from '../lora/delivery-plan.js'
import { ENVELOPE_HEADER_BYTES, sealEnvelope } from '../lora/envelope.js'
import { airtimeMs } from '../lora/eu868.js'
import { fuotaReports } from '../lora/fleet-bridge.js'
import type { LoraReport } from '../lora/fleet-bridge.js'
import { FuotaSession, fragSizeFor } from '../lora/fuota-session.js'
import type { FuotaResult } from '../lora/fuota-session.js'
import { LoraModemDriver } from '../lora/modem-driver.js'
import { openSerialLink } from '../link/index.js'
import type { Logger } from '../../node/logging/index.js'
import type { Clock } from '../../node/ports/index.js'
import { LORA_BATCH_WINDOW_MS, LORA_DEVICES_MAX } from './constants.js'
import { GatewayPortError } from './errors.js'
import type { ChildBase, ChildDevice, FlashOutcome, GatewayPortSpec } from './index.js'

const devicesFileSchema = z.strictObject({
  devices: z.array(z.strictObject({
    devAddr: z.string().regex(/^[0-9a-fA-F]{8}$/, 'a DevAddr is 8 hex digits, e.g. 26010000'),
    name: z.string().min(1).max(63).optional(),
    /** What the device runs when the file is written (its factory image). */
    version: z.string().min(1).max(64),
    /** The envelope counter of that image. */
    counter: z.number().int().min(1).max(0xfffffffe),
    tier: z.union([z.literal(3), z.literal(4)]).optional()
  })).min(1).max(LORA_DEVICES_MAX)
})

interface LoraDevice { devAddr: number, name: string, version: string, counter: number, tier: 3 | 4 }
interface Pending { childId: string, image: Uint8Array, version: string, base?: ChildBase, resolve: (o: FlashOutcome) => void, reject: (e: unknown) => void }

/** SF7 on RX2: the fastest rate every EU868 device decodes, so a delivery spends the least airtime. */
const LORA_DR = 5

export class LoraPort {
  private readonly ledger = new DutyCycleLedger()
  private pending: Pending[] = []
  private batching = false
  private queue: Promise<unknown> = Promise.resolve()

  private constructor (
    readonly spec: GatewayPortSpec, private readonly devices: LoraDevice[], private readonly key: KeyObject,
    private readonly statePath: string, private readonly c: { clock: Clock, log: Logger, gatewayId: string, gatewayName: string }
  ) {}

  static async open (spec: GatewayPortSpec, c: { clock: Clock, log: Logger, gatewayId: string, gatewayName: string, storageDir: string }): Promise<LoraPort> {
    if (spec.loraDevices == null) throw new GatewayPortError(`${spec.path}: a LoRa port needs --lora-devices FILE, the end devices its modem serves`)
    if (spec.loraKey == null) throw new GatewayPortError(`${spec.path}: a LoRa port needs --lora-key FILE, the Ed25519 key (PKCS#8 PEM) its devices were provisioned to trust`)
    const devices = await readDevices(spec.loraDevices)
    let key: KeyObject
    try {
      key = createPrivateKey(await readFile(spec.loraKey))
    } catch (err) {
      throw new GatewayPortError(`--lora-key ${spec.loraKey}: ${(err as Error).message}; give an Ed25519 private key in PKCS#8 PEM (openssl genpkey -algorithm ed25519)`, { cause: err })
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new GatewayPortError(`--lora-key ${spec.loraKey} is a ${key.asymmetricKeyType ?? 'unknown'} key; LoRa envelopes are signed with Ed25519`)
    const statePath = join(c.storageDir, 'gateway', `lora${spec.path.replace(/[^A-Za-z0-9._-]/g, '_')}.json`)
    const state = JSON.parse(await readFile(statePath, 'utf8').catch(() => '{}')) as Record<string, { version: string, counter: number }>
    for (const d of devices) {
      const known = state[hex(d.devAddr)]
      // The counter only goes up: what the gateway installed since outranks the file's factory state.
      if (known != null && known.counter >= d.counter) Object.assign(d, known)
    }
    return new LoraPort(spec, devices, key, statePath, c)
  }

  children (): ChildDevice[] {
    return this.devices.map(d => ({
      id: loraChildId(d.devAddr), name: d.name, platform: 'lora', tier: d.tier, parent: this.c.gatewayId, firmwareVersion: d.version, port: this.spec.path,
      labels: { mcu: 'lora', gateway: this.c.gatewayName.replace(/[^A-Za-z0-9._/-]/g, '-') }
    }))
  }

  /**
   * Queues one device; devices asked within LORA_BATCH_WINDOW_MS for the same image share one
   * update: one full-image stream, or a delta stream per base (`planDeliveries`).
   */
  async update (childId: string, image: Uint8Array, version: string, base?: ChildBase): Promise<FlashOutcome> {
    return await new Promise<FlashOutcome>((resolve, reject) => {
      this.pending.push({ childId, image, version, ...(base != null ? { base } : {}), resolve, reject })
      if (this.batching) return
      this.batching = true
      void this.c.clock.sleep(LORA_BATCH_WINDOW_MS).then(() => { this.flushBatch() })
    })
  }

  private flushBatch (): void {
    this.batching = false
    const batch = this.pending.splice(0)
    const groups = new Map<string, Pending[]>()
    for (const p of batch) {
      const key = `${p.version}\0${Buffer.from(p.image.subarray(0, 64)).toString('hex')}\0${p.image.length}`
      groups.set(key, [...(groups.get(key) ?? []), p])
    }
    for (const group of groups.values()) {
      const run = this.queue.then(async () => { await this.deliver(group) })
      this.queue = run.catch(() => {})
    }
  }

  private async deliver (group: Pending[]): Promise<void> {
    const first = group[0]
    if (first == null) return
    const targets = group.flatMap(p => {
      const device = this.devices.find(d => loraChildId(d.devAddr) === p.childId)
      return device != null ? [{ device, ...baseOf(p.base) }] : []
    })
    // One counter for every stream of this update: above every target's, so each device accepts it.
    const counter = Math.max(...targets.map(t => t.device.counter)) + 1
    const deliveries = planDeliveries(first.image, targets, d => `${loraChildId(d.devAddr)} (runs ${d.version})`)
    let link
    try {
      link = await openSerialLink({ path: this.spec.path, baudRate: this.spec.baudRate, mode: this.spec.mode })
    } catch (err) {
      for (const p of group) p.reject(err)
      return
    }
    const driver = new LoraModemDriver(link, this.c.clock)
    try {
      const reports: LoraReport[] = []
      for (const [i, delivery] of deliveries.entries()) reports.push(...await this.send(delivery, first, counter, i, driver))
      await this.saveState()
      for (const p of group) {
        const report = reports.find(r => r.deviceId === p.childId)
        const device = targets.find(t => loraChildId(t.device.devAddr) === p.childId)?.device
        if (report == null || device == null) { p.reject(new GatewayPortError(`${p.childId} is not a device of ${this.spec.path}`)); continue }
        p.resolve({
          ok: report.errorCode === '', runningVersion: device.version,
          report: { step: report.step, health: report.health, appVersion: report.errorCode === '' ? first.version : device.version, ...(report.errorCode !== '' ? { errorCode: report.errorCode, errorMessage: report.errorMessage } : {}), metrics: Object.fromEntries(report.metrics) }
        })
      }
    } catch (err) {
      for (const p of group) p.reject(err)
    } finally {
      await driver.close().catch(() => {})
      await link.close().catch(() => {})
    }
  }

  /** One FUOTA session (a full image or a delta from one base), its devices' reports with what a delta saved. */
  private async send (delivery: PlannedDelivery<LoraDevice>, first: Pending, counter: number, index: number, driver: LoraModemDriver): Promise<LoraReport[]> {
    const devices = delivery.devices
    const envelope = delivery.kind === 'full'
      ? sealEnvelope({ kind: 'full', version: counter, image: first.image }, this.key)
      : sealEnvelope({ kind: 'delta', version: counter, image: first.image, delta: delivery.delta }, this.key)
    const fullBytes = ENVELOPE_HEADER_BYTES + first.image.length
    const names = devices.map(d => loraChildId(d.devAddr)).join(', ')
    if (delivery.kind === 'full') this.c.log.info('lora %s: firmware %s to %s as the full image (%d B): %s', this.spec.path, first.version, names, envelope.length, delivery.why)
    else this.c.log.info('lora %s: firmware %s to %s as a delta against %s (base sha256 %s): %d B instead of %d B', this.spec.path, first.version, names, devices[0]?.version ?? '', delivery.baseSha256.slice(0, 16), envelope.length, fullBytes)
    const multicast = devices.length > 1 ? { multicast: { mcGroupId: 0, mcAddr: 0x01ff0000 + ((counter * 8 + index) & 0xffff), mcKeyEncrypted: new Uint8Array(16) } } : {}
    const session = new FuotaSession({ clock: this.c.clock, modem: driver, ledger: this.ledger }, { dr: LORA_DR, ...multicast })
    const result = await session.run(envelope, devices.map(d => d.devAddr))
    const saved = savings(result, envelope.length, fullBytes)
    if (delivery.kind === 'delta') {
      this.c.log.info('lora %s: delta sent in %d fragments (NbFrag %d, %d ms on air); the full image needed NbFrag %d: ~%d fragments and ~%d ms on air saved',
        this.spec.path, result.fragmentsSent, result.nbFrag, Math.round(result.airtimeMs), saved.nbFragFull, saved.fragments, saved.airtimeMs)
    }
    const reports = fuotaReports(result, devices.map(d => ({ deviceId: loraChildId(d.devAddr), devAddr: d.devAddr, firmwareVersion: d.counter })), { deploymentId: '', planSeq: 0, appVersion: first.version })
    for (const r of reports) {
      r.metrics.set('lora.delta', delivery.kind === 'delta' ? 1 : 0)
      r.metrics.set('lora.payloadBytes', envelope.length)
      r.metrics.set('lora.fullBytes', fullBytes)
      r.metrics.set('lora.nbFragFull', saved.nbFragFull)
      r.metrics.set('lora.fragmentsSaved', saved.fragments)
      r.metrics.set('lora.airtimeSavedMs', saved.airtimeMs)
    }
    for (const d of devices) {
      if (result.devices.get(d.devAddr) === 'installed') Object.assign(d, { version: first.version, counter })
    }
    return reports
  }

  private async saveState (): Promise<void> {
    const state = Object.fromEntries(this.devices.map(d => [hex(d.devAddr), { version: d.version, counter: d.counter }]))
    await mkdir(dirname(this.statePath), { recursive: true })
    await writeFile(`${this.statePath}.tmp`, JSON.stringify(state))
    await rename(`${this.statePath}.tmp`, this.statePath)
  }
}

/**
 * What a delta saved against the full image, estimated: the full envelope's NbFrag at its own
 * fragment size, with the same ratio of fragments sent to NbFrag (parity and loss rounds) this
 * session needed, and the same data rate. 0 for a full-image session.
 */
function savings (result: FuotaResult, sentBytes: number, fullBytes: number): { nbFragFull: number, fragments: number, airtimeMs: number } {
  const fragSizeFull = fragSizeFor(fullBytes, LORA_DR)
  const nbFragFull = Math.ceil(fullBytes / fragSizeFull)
  if (sentBytes >= fullBytes || result.nbFrag === 0) return { nbFragFull, fragments: 0, airtimeMs: 0 }
  const fragmentsFull = Math.round(nbFragFull * result.fragmentsSent / result.nbFrag)
  const airtimeFullMs = fragmentsFull * airtimeMs(LORA_DR, fragSizeFull + 3, { crc: false })
  const airtimeDeltaMs = result.fragmentsSent * airtimeMs(LORA_DR, result.fragSize + 3, { crc: false })
  return { nbFragFull, fragments: Math.max(0, fragmentsFull - result.fragmentsSent), airtimeMs: Math.max(0, Math.round(airtimeFullMs - airtimeDeltaMs)) }
}

function baseOf (base: ChildBase | undefined): { base?: Uint8Array, baseMissing?: string } {
  if (base == null) return { baseMissing: 'the applier gave no base' }
  return 'image' in base ? { base: base.image } : { baseMissing: base.missing }
}

export function loraChildId (devAddr: number): string {
  return `lora-${hex(devAddr)}`
}

const hex = (devAddr: number): string => devAddr.toString(16).padStart(8, '0')

async function readDevices (path: string): Promise<LoraDevice[]> {
  let value: unknown
  try {
    value = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw new GatewayPortError(`--lora-devices ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; give a JSON file like {"devices":[{"devAddr":"26010000","version":"1.0.0","counter":1}]}`, { cause: err })
  }
  const parsed = devicesFileSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new GatewayPortError(`--lora-devices ${path}: field '${issue?.path.join('.') ?? ''}': ${issue?.message ?? 'invalid'}; see gateway/lora/README.md "Gateway node"`)
  }
  const seen = new Set<string>()
  return parsed.data.devices.map(d => {
    const devAddr = d.devAddr.toLowerCase()
    if (seen.has(devAddr)) throw new GatewayPortError(`--lora-devices ${path}: DevAddr ${devAddr} is listed twice`)
    seen.add(devAddr)
    return { devAddr: Number.parseInt(devAddr, 16), name: d.name ?? `lora-${devAddr}`, version: d.version, counter: d.counter, tier: d.tier ?? 4 }
  })
}
