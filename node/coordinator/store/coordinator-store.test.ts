import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { describe, expect, it } from 'vitest'
import { FleetStore } from '../../fleet/index.js'
import { CoordinatorStore, StoreOpenError, StoreRecordError } from './index.js'
import type { AppRecord, ReportRecord } from './index.js'

async function dbPath (): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'fleetd-store-')), 'fleet.db')
}

const app = (name: string): AppRecord => ({
  name, artifact: { name, version: '1.0.0' }, runtime: 'process', args: [], env: {}, limits: {}, restartPolicy: 'on-failure', createdMs: 1, createdBy: 'admin'
})

const report = (deviceId: string, seq: number, fields: Partial<ReportRecord> = {}): ReportRecord => ({
  deploymentId: 'dep-a', deviceId, planSeq: 1, step: 'switch', appVersion: '2.0.0', health: 'healthy', metrics: {}, sentMs: 1, seq, receivedMs: 2, ...fields
})

describe('CoordinatorStore', () => {
  it('shares fleet.db with FleetStore: a token created before still belongs to the same fleet', async () => {
    const path = await dbPath()
    const before = await FleetStore.open(path)
    const { fleetId } = await before.createToken(1)
    await before.close()
    const store = await CoordinatorStore.open(path)
    expect((await store.fleet.createToken(2)).fleetId).toBe(fleetId)
    await store.apps.put('web', app('web'))
    await store.close()
    const after = await FleetStore.open(path)
    expect((await after.createToken(3)).fleetId).toBe(fleetId)
    await after.close()
    const again = await CoordinatorStore.open(path)
    expect((await again.apps.get('web'))?.artifact.version).toBe('1.0.0')
    await again.close()
  })

  it('refuses a second handle with a coded error that says what to do', async () => {
    const path = await dbPath()
    const store = await CoordinatorStore.open(path)
    await expect(CoordinatorStore.open(path)).rejects.toThrow(StoreOpenError)
    await expect(CoordinatorStore.open(path)).rejects.toThrow(/is a fleets server using it/)
    await store.close()
  })

  it('validates records on write and on read, naming table, key and field', async () => {
    const path = await dbPath()
    const store = await CoordinatorStore.open(path)
    await expect(store.apps.put('Bad', { ...app('web'), name: 'Bad Name' })).rejects.toThrow(/invalid app record 'Bad': name:/)
    await store.close()
    const raw = new Level<string, unknown>(path, { valueEncoding: 'json' })
    await raw.sublevel<string, unknown>('apps', { valueEncoding: 'json' }).put('web', { ...app('web'), runtime: 'vm' })
    await raw.close()
    const reopened = await CoordinatorStore.open(path)
    const err = await reopened.apps.get('web').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StoreRecordError)
    expect((err as StoreRecordError).message).toMatch(/app record 'web' in the database is not valid: runtime:/)
    await reopened.close()
  })

  it('keeps the latest report per device and deployment, with counts that follow replacements', async () => {
    const store = await CoordinatorStore.open(await dbPath())
    expect(await store.reports.record(report('d1', 1, { step: 'fetch', health: 'unknown', appVersion: '1.0.0' }))).toBe('new')
    expect(await store.reports.record(report('d2', 1, { errorCode: 'FLEET_ERR_HEALTH_CHECK_FAILED', health: 'unhealthy' }))).toBe('new')
    expect(await store.reports.record(report('d1', 2))).toBe('updated')
    expect(await store.reports.record(report('d1', 2, { step: 'stale' }))).toBe('stale')
    expect(await store.reports.record(report('d3', 1, { deploymentId: 'dep-b' }))).toBe('new')
    expect(await store.reports.countsOf('dep-a')).toEqual({
      devices: 2, errors: 1, byStep: { switch: 2 }, byHealth: { healthy: 1, unhealthy: 1 }, byVersion: { '2.0.0': 2 }
    })
    expect((await store.reports.list('dep-a')).map(r => r.deviceId)).toEqual(['d1', 'd2'])
    expect((await store.reports.list('dep-a', { after: 'd1' })).map(r => r.deviceId)).toEqual(['d2'])
    expect((await store.reports.list('dep-b')).map(r => r.deviceId)).toEqual(['d3'])
    expect((await store.reports.get('dep-a', 'd1'))?.seq).toBe(2)
    await store.close()
  })

  it('finds tokens by hash only, and pages records by key', async () => {
    const store = await CoordinatorStore.open(await dbPath())
    const sha = 'a'.repeat(64)
    await store.tokens.put({ id: 'abcd1234', name: 'ci', role: 'operator', sha256: sha, createdMs: 1, createdBy: 'admin' })
    expect((await store.tokens.findByHash(sha))?.name).toBe('ci')
    expect(await store.tokens.findByHash('b'.repeat(64))).toBeUndefined()
    for (const name of ['a', 'b', 'c', 'd']) await store.apps.put(name, app(name))
    expect((await store.apps.list({ limit: 2 })).map(a => a.name)).toEqual(['a', 'b'])
    expect((await store.apps.list({ after: 'b' })).map(a => a.name)).toEqual(['c', 'd'])
    expect((await store.apps.list({ reverse: true, limit: 1 })).map(a => a.name)).toEqual(['d'])
    expect((await store.apps.list({ reverse: true, after: 'c' })).map(a => a.name)).toEqual(['b', 'a'])
    expect(await store.apps.count()).toBe(4)
    await store.close()
  })

  it('runs exclusive sections one at a time, in order', async () => {
    const store = await CoordinatorStore.open(await dbPath())
    const order: string[] = []
    await Promise.all([
      store.exclusive(async () => { order.push('a1'); await new Promise(resolve => setTimeout(resolve, 20)); order.push('a2') }),
      store.exclusive(async () => { order.push('b1'); return await Promise.reject(new Error('b failed')) }).catch(() => { order.push('b!') }),
      store.exclusive(async () => { order.push('c1'); await Promise.resolve() })
    ])
    // b's failure reaches its caller and does not stop c; sections never overlap.
    expect(order.filter(step => step !== 'b!')).toEqual(['a1', 'a2', 'b1', 'c1'])
    expect(order).toContain('b!')
    await store.close()
    await store.close()
  })
})
