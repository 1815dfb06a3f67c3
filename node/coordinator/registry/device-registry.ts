import { DEVICE_ID_PATTERN } from '../store/index.js'
import { toDeviceView } from './device-view.js'
import { DeviceExistsError, DeviceNotFoundError } from './errors.js'
import { applyReportToDevice, deviceFromPresence, deviceFromReport, mergePresence, reportRecordOf } from './device-updates.js'
import type { DeviceFilter, DeviceRegistry, DeviceRegistryComponents, DeviceRegistryInit, LabelChange, PresenceInput, RegisterDeviceInput } from './index.js'
import type { DeviceView } from './device-view.js'
import type { DeviceRecord } from '../store/index.js'
import type { DeviceReport } from '../../../proto/index.js'
import type { Logger } from '../../logging/index.js'
import {
  DEVICES_TRACKED_MAX, LAST_SEEN_WRITE_INTERVAL_MS_DEFAULT, LIST_LIMIT_DEFAULT, OFFLINE_AFTER_MS_DEFAULT, PRESENCE_SYNC_INTERVAL_MS_DEFAULT
} from './constants.js'

interface Seen { lastSeenMs: number, writtenMs: number, announceSeq: number }

export class DefaultDeviceRegistry implements DeviceRegistry {
  private readonly log: Logger
  private readonly offlineAfterMs: number
  private readonly writeIntervalMs: number
  private readonly syncIntervalMs: number
  /** Fresh last-seen times, newer than the store's by up to writeIntervalMs; Map order = recency. */
  private readonly seen = new Map<string, Seen>()
  /**
   * Ids telemetry came from that the store does not hold, and when they were last looked up.
   * Without it every report of an unregistered sender cost a LevelDB read: 23% of the
   * coordinator's CPU in bench:telemetry. Map order = recency, bounded like `seen`.
   */
  private readonly unknown = new Map<string, number>()
  private controller?: AbortController

  constructor (private readonly c: DeviceRegistryComponents, init: DeviceRegistryInit) {
    this.log = c.logger.forComponent('fleet:coordinator:registry')
    this.offlineAfterMs = init.offlineAfterMs ?? OFFLINE_AFTER_MS_DEFAULT
    this.writeIntervalMs = init.lastSeenWriteIntervalMs ?? LAST_SEEN_WRITE_INTERVAL_MS_DEFAULT
    this.syncIntervalMs = init.presenceSyncIntervalMs ?? PRESENCE_SYNC_INTERVAL_MS_DEFAULT
  }

  start (): void {
    if (this.controller != null || this.c.presence == null) return
    this.controller = new AbortController()
    void this.syncLoop(this.c.presence, this.controller.signal)
  }

  stop (): void {
    this.controller?.abort()
    this.controller = undefined
  }

  private async syncLoop (presence: { peers(): PresenceInput[] }, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.applyPresence(presence.peers())
      } catch (err) {
        this.log.error('copying presence into the registry failed: %s', (err as Error).message)
      }
      try {
        await this.c.clock.sleep(this.syncIntervalMs, { signal })
      } catch {
        return
      }
    }
  }

  async applyPresence (entries: Iterable<PresenceInput>): Promise<number> {
    return await this.c.store.exclusive(async () => {
      const ops = []
      for (const entry of entries) {
        if (!DEVICE_ID_PATTERN.test(entry.deviceId)) continue
        const known = this.seen.get(entry.deviceId)
        if (known != null && known.announceSeq === entry.announceSeq && entry.lastSeenMs - known.writtenMs < this.writeIntervalMs) {
          this.remember(entry.deviceId, { ...known, lastSeenMs: Math.max(known.lastSeenMs, entry.lastSeenMs) })
          continue
        }
        const stored = await this.c.store.devices.get(entry.deviceId)
        const next = stored == null ? deviceFromPresence(entry) : mergePresence(stored, entry)
        ops.push(this.c.store.devices.putOp(next.id, next))
        this.remember(next.id, { lastSeenMs: next.lastSeenMs ?? 0, writtenMs: next.lastSeenMs ?? 0, announceSeq: next.announceSeq })
        if (stored == null) this.log.info('device %s (%s, %s) joined the registry', next.id, next.name === '' ? 'unnamed' : next.name, next.platform === '' ? 'platform unknown' : next.platform)
      }
      if (ops.length > 0) await this.c.store.devices.batch(ops)
      return ops.length
    })
  }

  async applyReport (report: DeviceReport): Promise<'new' | 'updated' | 'stale' | 'refused'> {
    if (!DEVICE_ID_PATTERN.test(report.deviceId) || report.deploymentId === '') {
      this.log.warn('ignored a report with device id %s and deployment %s', report.deviceId.slice(0, 80), report.deploymentId.slice(0, 80))
      return 'refused'
    }
    const nowMs = this.c.clock.nowMs()
    return await this.c.store.exclusive(async () => {
      const record = reportRecordOf(report, nowMs)
      const outcome = await this.c.store.reports.record(record)
      const stored = await this.c.store.devices.get(record.deviceId)
      const deployment = await this.c.store.deployments.get(record.deploymentId)
      let next: DeviceRecord = stored ?? deviceFromReport(record.deviceId, nowMs)
      next = { ...next, lastSeenMs: Math.max(next.lastSeenMs ?? 0, nowMs), firstSeenMs: next.firstSeenMs ?? nowMs }
      if (outcome !== 'stale' && deployment != null) next = applyReportToDevice(next, deployment.app, record)
      await this.c.store.devices.put(next.id, next)
      this.remember(next.id, { lastSeenMs: nowMs, writtenMs: nowMs, announceSeq: next.announceSeq })
      return outcome
    })
  }

  async touch (deviceIds: Iterable<string>): Promise<number> {
    const nowMs = this.c.clock.nowMs()
    const due: string[] = []
    for (const id of new Set(deviceIds)) {
      const lookedUpMs = this.unknown.get(id)
      if (lookedUpMs != null && nowMs - lookedUpMs < this.writeIntervalMs) continue
      const known = this.seen.get(id)
      // Memory only between writes: telemetry of 10,000 devices must not become 10,000 writes per interval.
      if (known != null && nowMs - known.writtenMs < this.writeIntervalMs) this.remember(id, { ...known, lastSeenMs: Math.max(known.lastSeenMs, nowMs) })
      else due.push(id)
    }
    if (due.length === 0) return 0
    return await this.c.store.exclusive(async () => {
      const ops = []
      for (const id of due) {
        const stored = await this.c.store.devices.get(id)
        if (stored == null) { // presence or a report introduces devices; telemetry only keeps them seen
          this.rememberUnknown(id, nowMs)
          continue
        }
        ops.push(this.c.store.devices.putOp(id, { ...stored, lastSeenMs: Math.max(stored.lastSeenMs ?? 0, nowMs) }))
        this.remember(id, { lastSeenMs: nowMs, writtenMs: nowMs, announceSeq: stored.announceSeq })
      }
      if (ops.length > 0) await this.c.store.devices.batch(ops)
      return ops.length
    })
  }

  async register (input: RegisterDeviceInput, actor: string): Promise<DeviceView> {
    const nowMs = this.c.clock.nowMs()
    const record = await this.c.store.exclusive(async () => {
      const stored = await this.c.store.devices.get(input.id)
      if (stored?.registeredMs != null) throw new DeviceExistsError(input.id)
      // A device already heard from is adopted: the registration adds names, labels and groups.
      const base = stored ?? { ...deviceFromReport(input.id, nowMs), source: 'registered' as const, firstSeenMs: null, lastSeenMs: null }
      const next: DeviceRecord = {
        ...base,
        ...(input.name != null ? { name: input.name } : {}),
        ...(input.platform != null ? { platform: input.platform } : {}),
        ...(input.tier != null ? { tier: input.tier } : {}),
        ...(input.parent != null ? { parent: input.parent } : {}),
        assignedLabels: { ...base.assignedLabels, ...input.labels },
        groups: [...new Set([...base.groups, ...(input.groups ?? [])])].sort(),
        registeredMs: nowMs,
        registeredBy: actor
      }
      await this.c.store.devices.put(next.id, next)
      return next
    })
    return this.view(record)
  }

  async label (id: string, change: LabelChange): Promise<DeviceView> {
    const record = await this.c.store.exclusive(async () => {
      const stored = await this.c.store.devices.get(id)
      if (stored == null) throw new DeviceNotFoundError(id)
      const assignedLabels = { ...stored.assignedLabels, ...change.set }
      for (const key of change.remove ?? []) Reflect.deleteProperty(assignedLabels, key)
      const groups = new Set([...stored.groups, ...(change.addGroups ?? [])])
      for (const group of change.removeGroups ?? []) groups.delete(group)
      const next: DeviceRecord = { ...stored, assignedLabels, groups: [...groups].sort() }
      await this.c.store.devices.put(next.id, next)
      return next
    })
    return this.view(record)
  }

  async get (id: string): Promise<DeviceView | undefined> {
    const record = await this.c.store.devices.get(id)
    return record == null ? undefined : this.view(record)
  }

  async list (filter: DeviceFilter = {}): Promise<{ devices: DeviceView[], next?: string }> {
    const limit = filter.limit ?? LIST_LIMIT_DEFAULT
    const devices: DeviceView[] = []
    for await (const { key, raw } of this.c.store.devices.values(filter.after != null ? { after: filter.after } : {})) {
      const view = this.view(this.c.store.devices.decode(key, raw))
      if (!matches(view, filter)) continue
      // One past the page tells whether there is a next page without a second scan.
      if (devices.length === limit) return { devices, next: devices.at(-1)?.id ?? key }
      devices.push(view)
    }
    return { devices }
  }

  isOnline (record: Pick<DeviceRecord, 'id' | 'lastSeenMs'>): boolean {
    const lastSeenMs = Math.max(record.lastSeenMs ?? -Infinity, this.seen.get(record.id)?.lastSeenMs ?? -Infinity)
    return Number.isFinite(lastSeenMs) && this.c.clock.nowMs() - lastSeenMs <= this.offlineAfterMs
  }

  private view (record: DeviceRecord): DeviceView {
    const fresh = this.seen.get(record.id)?.lastSeenMs
    const lastSeenMs = record.lastSeenMs == null && fresh == null ? null : Math.max(record.lastSeenMs ?? 0, fresh ?? 0)
    return toDeviceView(record, lastSeenMs, this.c.clock.nowMs(), this.offlineAfterMs)
  }

  private rememberUnknown (id: string, nowMs: number): void {
    this.unknown.delete(id)
    if (this.unknown.size >= DEVICES_TRACKED_MAX) {
      const oldest = this.unknown.keys().next()
      if (oldest.done !== true) this.unknown.delete(oldest.value)
    }
    this.unknown.set(id, nowMs)
  }

  private remember (id: string, seen: Seen): void {
    this.unknown.delete(id) // a device presence or a report just stored is no longer unknown
    this.seen.delete(id)
    if (this.seen.size >= DEVICES_TRACKED_MAX) {
      const oldest = this.seen.keys().next()
      if (oldest.done !== true) this.seen.delete(oldest.value)
    }
    this.seen.set(id, seen)
  }
}

function matches (device: DeviceView, filter: DeviceFilter): boolean {
  if (filter.status != null && device.status !== filter.status) return false
  if (filter.group != null && !device.groups.includes(filter.group)) return false
  for (const [key, value] of Object.entries(filter.labels ?? {})) {
    if (device.labels[key] !== value) return false
  }
  return true
}
