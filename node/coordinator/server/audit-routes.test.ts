import { Level } from 'level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApi } from './test-support.js'
import type { TestApi } from './test-support.js'
import type { AuditVerifyResult } from '../audit/index.js'
import type { AuditEntry } from '../store/index.js'

let api: TestApi
beforeAll(async () => {
  api = await testApi()
  for (let i = 0; i < 12; i++) await api.call('POST', '/api/v1/devices', { body: { id: `dev-${i}` } })
})
afterAll(async () => { await api.close() })

describe('audit routes', () => {
  it('401 without a token; a viewer reads', async () => {
    expect((await api.call('GET', '/api/v1/audit', { token: null })).status).toBe(401)
    expect((await api.call('GET', '/api/v1/audit/verify', { token: null })).status).toBe(401)
    expect((await api.call('GET', '/api/v1/audit', { token: api.tokens.viewer })).status).toBe(200)
  })

  it('pages entries in order from an index', async () => {
    // 0: first admin token, 1-2: operator and viewer tokens, 3-14: devices.
    const first = await api.call<{ entries: AuditEntry[], next?: number }>('GET', '/api/v1/audit?limit=5')
    expect(first.body.entries.map(e => e.index)).toEqual([0, 1, 2, 3, 4])
    expect(first.body.entries[0]).toMatchObject({ actor: 'fleetd', action: 'token.create', detail: { bootstrap: true, role: 'admin' } })
    expect(first.body.next).toBe(5)
    const last = await api.call<{ entries: AuditEntry[], next?: number }>('GET', '/api/v1/audit?from=12&limit=5')
    expect(last.body).toEqual({ entries: [expect.objectContaining({ index: 12 }), expect.objectContaining({ index: 13 }), expect.objectContaining({ index: 14 })] })
    expect((await api.call('GET', '/api/v1/audit?from=-1')).body).toMatchObject({ code: 'FLEET_ERR_API_INVALID', issues: [{ path: 'query.from' }] })
  })

  it('verifies the chain on the server', async () => {
    const ok = await api.call<AuditVerifyResult>('GET', '/api/v1/audit/verify', { token: api.tokens.viewer })
    expect(ok.body).toMatchObject({ ok: true, count: 15 })
  })

  it('reports an entry edited in the database', async () => {
    // LevelDB allows one handle: stop the server, tamper through a raw handle, start it again on the same database.
    const path = api.store.path
    await api.close()
    const raw = new Level<string, unknown>(path, { valueEncoding: 'json' })
    const table = raw.sublevel<string, unknown>('audit', { valueEncoding: 'json' })
    const key = '7'.padStart(15, '0')
    await table.put(key, { ...(await table.get(key) as AuditEntry), actor: 'mallory' })
    await raw.close()
    api = await testApi({}, { dbPath: path, tokens: api.tokens })
    const broken = await api.call<AuditVerifyResult>('GET', '/api/v1/audit/verify')
    expect(broken.body).toMatchObject({ ok: false, index: 7, problem: 'hash-mismatch' })
  })
})
