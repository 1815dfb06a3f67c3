import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Health, WIRE_VERSION } from '../../../proto/index.js'
import { silentLogger } from '../../logging/index.js'
import { CoordinatorStore } from '../store/index.js'
import { DeviceExistsError, DeviceNotFoundError, deviceRegistry } from './index.js'
import type { DeviceRegistry, PresenceInput } from './index.js'
import type { DeviceReport } from '../../../proto/index.js'
import type { Clock } from '../../ports/index.js'

/** A clock the test moves by hand; sleep() never resolves on its own. */
function manualClock (startMs: number): Clock & { advance(ms: number): void } {
  let now = startMs
  return {
    nowMs: () => now,
    advance: (ms) => { now += ms },
    sleep: async (_ms, options = {}) => await new Promise((_resolve, reject) => {
      options.signal?.addEventListener('abort', () => { reject(new Error('aborted')) }, { once: true })
    })
  }
}

const presence = (id: string, fields: Partial<PresenceInput> = {}): PresenceInput => ({
  deviceId: id, name: `node-${id}`, platform: 'linux/arm64', tier: 1, agentVersion: '0.1.0', labels: { site: 'berlin' },
  addresses: ['/ip4/127.0.0.1/tcp/4710'], firstSeenMs: 1_000, lastSeenMs: 1_000, announceSeq: 1, announced: true, ...fields
})

const report = (deviceId: string, seq: number, fields: Partial<DeviceReport> = {}): DeviceReport => ({
  version: WIRE_VERSION, deviceId, deploymentId: 'dep-1', planSeq: 1, step: 'health-check', appVersion: '2.0.0', health: Health.HEALTHY,
  errorCode: '', errorMessage: '', metrics: new Map([['error_rate', 0]]), sentMs: 1_500, seq, ...fields
})

let store: CoordinatorStore
let clock: ReturnType<typeof manualClock>
let registry: DeviceRegistry

beforeEach(async () => {
  store = await CoordinatorStore.open(join(await mkdtemp(join(tmpdir(), 'fleetd-registry-')), 'fleet.db'))
  clock = manualClock(1_000)
  registry = deviceRegistry({ offlineAfterMs: 30_000, lastSeenWriteIntervalMs: 15_000 })({ store, clock, logger: silentLogger })
})
afterEach(async () => {
  registry.stop()
  await store.close()
})

describe('device registry', () => {
  it('keeps a device seen while its telemetry arrives, writing the store at most once per interval', async () => {
    await registry.applyPresence([presence('a')])
    clock.advance(40_000) // silent past offlineAfterMs: offline
    expect((await registry.get('a'))?.status).toBe('offline')
    expect(await registry.touch(['a', 'a'])).toBe(1)
    expect(await registry.get('a')).toMatchObject({ status: 'online', lastSeenMs: 41_000 })
    clock.advance(5_000)
    expect(await registry.touch(['a'])).toBe(0) // within the write interval: memory only
    expect((await registry.get('a'))?.lastSeenMs).toBe(46_000)
    expect((await store.devices.get('a'))?.lastSeenMs).toBe(41_000)
    clock.advance(15_000)
    expect(await registry.touch(['a'])).toBe(1)
    expect((await store.devices.get('a'))?.lastSeenMs).toBe(61_000)
    // Telemetry does not invent devices: presence and reports introduce them.
    expect(await registry.touch(['unknown'])).toBe(0)
    expect(await registry.get('unknown')).toBeUndefined()
    // An unknown sender is looked up in the store once per interval, not on every report.
    const reads = vi.spyOn(store.devices, 'get')
    expect(await registry.touch(['ghost'])).toBe(0)
    expect(await registry.touch(['ghost'])).toBe(0)
    expect(reads.mock.calls.filter(([id]) => id === 'ghost')).toHaveLength(1)
    // Once presence introduces it, its telemetry keeps it seen at once.
    await registry.applyPresence([presence('ghost', { lastSeenMs: clock.nowMs() })])
    clock.advance(20_000)
    expect(await registry.touch(['ghost'])).toBe(1)
    reads.mockRestore()
  })

  it('learns devices from presence: name, platform, tier, labels, online until silent', async () => {
    expect(await registry.applyPresence([presence('a'), presence('b', { labels: {}, tier: 3, parent: 'a' })])).toBe(2)
    const a = await registry.get('a')
    expect(a).toMatchObject({ id: 'a', name: 'node-a', platform: 'linux/arm64', tier: 1, labels: { site: 'berlin' }, status: 'online', lastSeenMs: 1_000, source: 'presence', health: 'unknown' })
    expect((await registry.get('b'))?.parent).toBe('a')
    clock.advance(30_001)
    expect((await registry.get('a'))?.status).toBe('offline')
    expect(await registry.get('nope')).toBeUndefined()
  })

  it('keeps last seen fresh in memory and writes it at most every lastSeenWriteIntervalMs', async () => {
    await registry.applyPresence([presence('a')])
    clock.advance(10_000)
    expect(await registry.applyPresence([presence('a', { lastSeenMs: 11_000 })])).toBe(0)
    expect((await registry.get('a'))?.lastSeenMs).toBe(11_000)
    expect((await store.devices.get('a'))?.lastSeenMs).toBe(1_000)
    expect(await registry.applyPresence([presence('a', { lastSeenMs: 16_000 })])).toBe(1)
    expect((await store.devices.get('a'))?.lastSeenMs).toBe(16_000)
    // A new announcement is written at once, whatever the interval.
    expect(await registry.applyPresence([presence('a', { lastSeenMs: 16_500, announceSeq: 2, name: 'renamed' })])).toBe(1)
    expect((await registry.get('a'))?.name).toBe('renamed')
    // A heartbeat-only entry does not blank the announced fields.
    expect(await registry.applyPresence([presence('a', { lastSeenMs: 40_000, announced: false, name: '' })])).toBe(1)
    expect((await registry.get('a'))?.name).toBe('renamed')
  })

  it('records reports: latest per deployment, app version and health on the device, stale ones ignored', async () => {
    await store.deployments.put('dep-1', {
      id: 'dep-1', app: 'web', artifact: { name: 'web', version: '2.0.0' }, target: 'all', strategy: 'canary', spec: {}, state: 'running',
      phase: 0, createdMs: 1, createdBy: 'admin', updatedMs: 1, events: []
    })
    await registry.applyPresence([presence('a')])
    clock.advance(5_000)
    expect(await registry.applyReport(report('a', 2))).toBe('new')
    expect(await registry.applyReport(report('a', 1, { health: Health.UNHEALTHY }))).toBe('stale')
    const a = await registry.get('a')
    expect(a?.apps).toEqual({ web: { version: '2.0.0', health: 'healthy', deploymentId: 'dep-1', step: 'health-check', atMs: 1_500 } })
    expect(a).toMatchObject({ health: 'healthy', lastSeenMs: 6_000 })
    expect(await registry.applyReport(report('a', 3, { health: Health.UNHEALTHY, errorCode: 'FLEET_ERR_HEALTH_CHECK_FAILED' }))).toBe('updated')
    expect((await registry.get('a'))?.health).toBe('unhealthy')
    expect(await store.reports.countsOf('dep-1')).toMatchObject({ devices: 1, errors: 1, byHealth: { unhealthy: 1 } })
    // A device known only from its report is added to the registry.
    expect(await registry.applyReport(report('z', 1))).toBe('new')
    expect(await registry.get('z')).toMatchObject({ source: 'report', status: 'online' })
    expect(await registry.applyReport(report('bad/id', 1))).toBe('refused')
  })

  it('registers devices ahead of time and adopts one already heard from', async () => {
    const mcu = await registry.register({ id: 'esp32-1', name: 'kitchen', tier: 3, parent: 'gw-1', labels: { room: 'kitchen' }, groups: ['sensors'] }, 'admin')
    expect(mcu).toMatchObject({ source: 'registered', status: 'offline', lastSeenMs: null, registeredBy: 'admin', groups: ['sensors'], labels: { room: 'kitchen' } })
    await expect(registry.register({ id: 'esp32-1' }, 'admin')).rejects.toThrow(DeviceExistsError)
    await registry.applyPresence([presence('a')])
    const adopted = await registry.register({ id: 'a', groups: ['edge'] }, 'admin')
    expect(adopted).toMatchObject({ source: 'presence', name: 'node-a', groups: ['edge'], status: 'online' })
  })

  it('labels: assigned labels win over reported ones; groups are added and removed', async () => {
    await registry.applyPresence([presence('a')])
    const labelled = await registry.label('a', { set: { site: 'paris', ring: '1' }, addGroups: ['canary', 'edge'] })
    expect(labelled).toMatchObject({ labels: { site: 'paris', ring: '1' }, reportedLabels: { site: 'berlin' }, groups: ['canary', 'edge'] })
    const after = await registry.label('a', { remove: ['site'], removeGroups: ['canary'] })
    expect(after).toMatchObject({ labels: { site: 'berlin', ring: '1' }, groups: ['edge'] })
    await expect(registry.label('nope', {})).rejects.toThrow(DeviceNotFoundError)
  })

  it('lists with filters and pages', async () => {
    await registry.applyPresence(['a', 'b', 'c', 'd', 'e'].map(id => presence(id, { labels: { ring: id < 'c' ? '0' : '1' } })))
    await registry.label('e', { addGroups: ['lab'] })
    clock.advance(20_000)
    await registry.applyPresence([presence('b', { lastSeenMs: 21_000, labels: { ring: '0' } }), presence('d', { lastSeenMs: 21_000, labels: { ring: '1' } })])
    clock.advance(15_000)
    expect((await registry.list({ status: 'online' })).devices.map(d => d.id)).toEqual(['b', 'd'])
    // The rollout engine asks the same question of stored records (whose last-seen the registry writes only now and then).
    const stored = await store.devices.list()
    expect(stored.filter(r => registry.isOnline(r)).map(r => r.id)).toEqual(['b', 'd'])
    expect((await registry.list({ labels: { ring: '1' } })).devices.map(d => d.id)).toEqual(['c', 'd', 'e'])
    expect((await registry.list({ group: 'lab' })).devices.map(d => d.id)).toEqual(['e'])
    const first = await registry.list({ limit: 2 })
    expect(first).toMatchObject({ next: 'b' })
    expect(first.devices.map(d => d.id)).toEqual(['a', 'b'])
    const second = await registry.list({ limit: 2, after: 'b' })
    expect(second.devices.map(d => d.id)).toEqual(['c', 'd'])
    const last = await registry.list({ limit: 2, after: 'd' })
    expect(last).toEqual({ devices: [expect.objectContaining({ id: 'e' })] })
  })

  it('start() copies the presence view until stop()', async () => {
    const peers = [presence('m1'), presence('m2')]
    const polled = deviceRegistry()({ store, clock, logger: silentLogger, presence: { peers: () => peers } })
    polled.start()
    polled.start()
    await expect.poll(async () => (await polled.list()).devices.length).toBe(2)
    polled.stop()
    polled.stop()
  })
})
