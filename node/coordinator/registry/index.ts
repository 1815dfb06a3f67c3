/**
 * The coordinator's device registry: every device it has heard of, fed by (a) presence — the
 * mesh's view of announcements and heartbeats (name, platform, tier, labels, last seen) — and
 * (b) device reports (installed versions, health per app); plus devices an administrator
 * registers ahead of time. Devices live in the coordinator store; online/offline follows from
 * the last time one was seen.
 *
 * @example
 * ```ts
 * import { deviceRegistry } from './registry/index.js'
 * import { CoordinatorStore } from '../store/index.js'
 * import { silentLogger } from '../../logging/index.js'
 * import { systemClock } from '../../ports/index.js'
 * const store = await CoordinatorStore.open('/tmp/fleet-example.db')
 * const registry = deviceRegistry()({ store, clock: systemClock(), logger: silentLogger })
 * await registry.register({ id: 'esp32-kitchen', name: 'kitchen sensor', tier: 3, groups: ['sensors'] }, 'admin')
 * console.log((await registry.list()).devices.map(d => `${d.id} ${d.status}`))
 * await store.close()
 * ```
 */
import { DefaultDeviceRegistry } from './device-registry.js'
import type { DeviceView } from './device-view.js'
import type { ComponentLogger } from '../../logging/index.js'
import type { PeerPresence } from '../../mesh/presence-view.js'
import type { Clock } from '../../ports/index.js'
import type { CoordinatorStore, DeviceRecord } from '../store/index.js'
import type { DeviceReport } from '../../../proto/index.js'

export interface DeviceRegistryInit {
  /** A device silent this long is offline. @default 30000 (3 missed mesh heartbeats) */
  offlineAfterMs?: number
  /** A device's last-seen time is written to the store at most this often. @default 15000 */
  lastSeenWriteIntervalMs?: number
  /** How often `start()` copies the presence view into the registry. @default 5000 */
  presenceSyncIntervalMs?: number
}

/** What the registry reads of a presence entry (node/mesh PresenceEntry satisfies it). */
export type PresenceInput = Pick<PeerPresence,
  'deviceId' | 'name' | 'platform' | 'tier' | 'agentVersion' | 'labels' | 'addresses' | 'parent' | 'firstSeenMs' | 'lastSeenMs' | 'announceSeq' | 'announced'>

export interface DeviceRegistryComponents {
  store: Pick<CoordinatorStore, 'devices' | 'deployments' | 'reports' | 'exclusive'>
  clock: Clock
  logger: ComponentLogger
  /** The mesh's presence view (`MeshNode.peers`), polled by `start()`; absent when nothing announces. */
  presence?: { peers(): PresenceInput[] }
}

export interface RegisterDeviceInput {
  id: string
  name?: string
  platform?: string
  tier?: number
  parent?: string
  labels?: Record<string, string>
  groups?: string[]
}

/** Assigned labels and groups to change; reported labels stay as the device announces them. */
export interface LabelChange {
  set?: Record<string, string>
  remove?: string[]
  addGroups?: string[]
  removeGroups?: string[]
}

export interface DeviceFilter {
  status?: 'online' | 'offline'
  group?: string
  /** Every label must be equal. */
  labels?: Record<string, string>
  /** Device id after which the page starts (the previous page's `next`). */
  after?: string
  /** @default 1000 */
  limit?: number
}

export interface DeviceRegistry {
  /** Starts copying `presence` into the registry every `presenceSyncIntervalMs`; idempotent. */
  start(): void
  stop(): void
  /** Merges presence entries; returns how many device records were written. */
  applyPresence(entries: Iterable<PresenceInput>): Promise<number>
  /** Keeps a device report (latest per device and deployment) and updates the device's apps and last seen. */
  applyReport(report: DeviceReport): Promise<'new' | 'updated' | 'stale' | 'refused'>
  /**
   * A device was heard from (its telemetry arrived): moves its last-seen to now. Only devices
   * already known; the store is written at most every lastSeenWriteIntervalMs per device.
   * Resolves to how many records were written.
   */
  touch(deviceIds: Iterable<string>): Promise<number>
  /** Registers a device ahead of (or after) its first announcement; throws DeviceExistsError when already registered. */
  register(input: RegisterDeviceInput, actor: string): Promise<DeviceView>
  /** Throws DeviceNotFoundError for an unknown device. */
  label(id: string, change: LabelChange): Promise<DeviceView>
  get(id: string): Promise<DeviceView | undefined>
  /** Whether a stored device has been heard from within the offline period (the fresh last-seen counts). */
  isOnline(record: Pick<DeviceRecord, 'id' | 'lastSeenMs'>): boolean
  list(filter?: DeviceFilter): Promise<{ devices: DeviceView[], next?: string }>
}

export function deviceRegistry (init: DeviceRegistryInit = {}): (components: DeviceRegistryComponents) => DeviceRegistry {
  return (components) => new DefaultDeviceRegistry(components, init)
}

export { deviceViewSchema, toDeviceView } from './device-view.js'
export type { DeviceView } from './device-view.js'
export { DeviceExistsError, DeviceNotFoundError } from './errors.js'
export { LIST_LIMIT_DEFAULT, OFFLINE_AFTER_MS_DEFAULT } from './constants.js'
