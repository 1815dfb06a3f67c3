/**
 * The gateway's child registry: the MCU behind each configured serial port, found by HELLO at
 * start and again every probe period (sooner while a port does not answer: reconnect), each a
 * fleet device of its own (tier 3, parent = the gateway). The registry holds every port's lock
 * for as long as it runs, so `fleet-node mcu` cannot drive a port the gateway owns.
 */
import type { Logger } from '../../node/logging/index.js'
import type { AbortOptions } from '../../node/ports/index.js'
import { otaReport } from '../bridge/index.js'
import type { OtaProgress } from '../bridge/index.js'
import { LoraPort } from './lora-port.js'
import { BridgePort } from './bridge-port.js'
import type { BridgeChild } from './bridge-port.js'
import { PROBE_INTERVAL_MS, PROBE_RETRY_MS } from './constants.js'
import { GatewayPortError } from './errors.js'
import type { ChildDevice, ChildRegistryComponents, ChildRegistryInit, FlashOptions, FlashOutcome, PortStatus } from './index.js'
import { lockPort } from './port-lock.js'
import type { PortLock } from './port-lock.js'

interface PortEntry { port: BridgePort, child?: BridgeChild, error?: string, probedMs?: number }

export class ChildRegistry {
  private readonly entries: PortEntry[]
  private readonly lora: LoraPort[] = []
  private readonly locks: PortLock[] = []
  private readonly log: Logger
  private controller?: AbortController
  private loop?: Promise<void>

  constructor (private readonly c: ChildRegistryComponents, private readonly init: ChildRegistryInit) {
    this.log = c.logger.forComponent('fleet:gateway')
    this.entries = init.ports.filter(spec => spec.mcu !== 'lora').map(spec => ({ port: new BridgePort(spec, { clock: c.clock, gatewayId: c.gatewayId, gatewayName: c.gatewayName }) }))
  }

  /** Locks every port (PortLockedError when another process holds one), probes each once, then keeps probing. */
  async start (): Promise<void> {
    if (this.controller != null) return
    try {
      for (const spec of this.init.ports) this.locks.push(await lockPort(spec.path, `gateway fleet-node (${this.c.gatewayName})`, this.init.lockDir))
      for (const spec of this.init.ports.filter(s => s.mcu === 'lora')) {
        this.lora.push(await LoraPort.open(spec, { clock: this.c.clock, log: this.log, gatewayId: this.c.gatewayId, gatewayName: this.c.gatewayName, storageDir: this.init.storageDir }))
      }
    } catch (err) {
      await this.releaseLocks()
      throw err
    }
    this.controller = new AbortController()
    await Promise.all(this.entries.map(async entry => { await this.probe(entry, this.controller?.signal) }))
    this.loop = this.probeLoop(this.controller.signal)
  }

  async stop (): Promise<void> {
    this.controller?.abort()
    this.controller = undefined
    await this.loop
    this.loop = undefined
    await this.releaseLocks()
  }

  list (): ChildDevice[] {
    return [...this.entries.flatMap(e => e.child != null ? [withoutInfo(e.child)] : []), ...this.lora.flatMap(l => l.children())]
  }

  ports (): PortStatus[] {
    const lora: PortStatus[] = this.lora.map(l => ({ path: l.spec.path, mcu: l.spec.mcu, baudRate: l.spec.baudRate, mode: l.spec.mode, children: l.children().map(c => c.id) }))
    return [...lora, ...this.entries.map(e => ({
      path: e.port.spec.path, mcu: e.port.spec.mcu, baudRate: e.port.spec.baudRate, mode: e.port.spec.mode,
      ...(e.child != null ? { child: e.child.id, firmwareVersion: e.child.firmwareVersion, chip: e.child.platform } : {}),
      ...(e.error != null ? { error: e.error } : {}),
      ...(e.probedMs != null ? { probedMs: e.probedMs } : {})
    }))]
  }

  /** What the device runs and can take: chip and secure_version for image checks. */
  deviceInfo (childId: string): BridgeChild['info'] | undefined {
    return this.entries.find(e => e.child?.id === childId)?.child?.info
  }

  /** OTA of one child; the registry learns the version it ends on. */
  async update (childId: string, image: Uint8Array, version: string, options: AbortOptions & FlashOptions & { onProgress?: (p: OtaProgress) => void } = {}): Promise<FlashOutcome> {
    const lora = this.lora.find(l => l.children().some(c => c.id === childId))
    if (lora != null) {
      const outcome = await lora.update(childId, image, version, options.base)
      this.c.onChange?.()
      return outcome
    }
    const entry = this.entries.find(e => e.child?.id === childId)
    if (entry == null) throw new GatewayPortError(`child ${childId} is not on any port of this gateway now; check its cable and power`)
    const { result, after } = await entry.port.update(image, version, options)
    if (after != null) this.set(entry, after)
    const draft = otaReport(result, { deploymentId: '', planSeq: 0 })
    const report = { step: draft.step, health: draft.health, ...(draft.appVersion != null ? { appVersion: draft.appVersion } : {}), ...(draft.errorCode != null ? { errorCode: draft.errorCode } : {}), ...(draft.errorMessage != null ? { errorMessage: draft.errorMessage } : {}), ...(draft.metrics != null ? { metrics: draft.metrics } : {}) }
    return { ok: result.outcome === 'updated' || result.outcome === 'already-current', runningVersion: result.runningVersion, report }
  }

  private async probeLoop (signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const intervalMs = this.init.probeIntervalMs ?? PROBE_INTERVAL_MS
      const retryMs = this.init.probeRetryMs ?? PROBE_RETRY_MS
      const waitMs = this.entries.some(e => e.child == null) ? Math.min(retryMs, intervalMs) : intervalMs
      try {
        await this.c.clock.sleep(waitMs, { signal })
      } catch {
        return
      }
      const nowMs = this.c.clock.nowMs()
      for (const entry of this.entries) {
        if (signal.aborted) return
        if (entry.child != null && nowMs - (entry.probedMs ?? 0) < intervalMs) continue
        await this.probe(entry, signal)
      }
    }
  }

  private async probe (entry: PortEntry, signal?: AbortSignal): Promise<void> {
    try {
      this.set(entry, await entry.port.probe(signal != null ? { signal } : {}))
      entry.error = undefined
    } catch (err) {
      if (signal?.aborted === true) return
      const message = (err as Error).message
      if (entry.error !== message) this.log.warn('%s: no MCU answers (%s); trying again', entry.port.spec.path, message)
      entry.error = message
      if (entry.child != null) {
        // Gone (unplugged, powered off): no longer announced, so the coordinator sees it go offline.
        this.log.info('child %s left %s', entry.child.id, entry.port.spec.path)
        entry.child = undefined
        this.c.onChange?.()
      }
    }
    entry.probedMs = this.c.clock.nowMs()
  }

  private set (entry: PortEntry, child: BridgeChild): void {
    const before = entry.child
    entry.child = child
    if (before?.id === child.id && before.firmwareVersion === child.firmwareVersion) return
    if (before?.id !== child.id) this.log.info('child %s (%s, running %s) on %s', child.id, child.platform, child.firmwareVersion || 'nothing', child.port)
    this.c.onChange?.()
  }

  private async releaseLocks (): Promise<void> {
    for (const lock of this.locks.splice(0)) await lock.release()
  }
}

function withoutInfo (child: BridgeChild): ChildDevice {
  return { id: child.id, name: child.name, platform: child.platform, tier: child.tier, parent: child.parent, firmwareVersion: child.firmwareVersion, labels: { ...child.labels }, port: child.port }
}
