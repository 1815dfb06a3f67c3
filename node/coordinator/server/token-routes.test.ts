import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256Hex } from './index.js'
import { issuePaths, testApi } from './test-support.js'
import type { TestApi } from './test-support.js'
import type { ApiTokenRecord } from '../store/index.js'

type TokenView = Omit<ApiTokenRecord, 'sha256'>

let api: TestApi
beforeAll(async () => { api = await testApi() })
afterAll(async () => { await api.close() })

describe('token routes (admin)', () => {
  it('401 without a token, 403 for an operator or a viewer', async () => {
    expect((await api.call('GET', '/api/v1/tokens', { token: null })).status).toBe(401)
    expect((await api.call('POST', '/api/v1/tokens', { token: api.tokens.operator, body: { name: 'x', role: 'viewer' } })).status).toBe(403)
    expect((await api.call('DELETE', '/api/v1/tokens/abcdefghij', { token: api.tokens.viewer })).status).toBe(403)
  })

  it('creates a token shown once and stored only as its sha256', async () => {
    const res = await api.call<TokenView & { token: string }>('POST', '/api/v1/tokens', { body: { name: 'ci deploy', role: 'operator' } })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ name: 'ci deploy', role: 'operator', createdBy: 'admin', createdMs: api.clock.nowMs() })
    const stored = await api.store.tokens.get(res.body.id)
    expect(stored?.sha256).toBe(sha256Hex(res.body.token))
    expect(JSON.stringify(await api.store.tokens.list())).not.toContain(res.body.token)
    const list = await api.call<{ tokens: TokenView[] }>('GET', '/api/v1/tokens')
    expect(list.body.tokens.map(t => t.name).sort()).toEqual(['admin', 'ci deploy', 'operator', 'viewer'])
    expect(JSON.stringify(list.body)).not.toMatch(/sha256|fleetd_/)
  })

  it('names wrong fields', async () => {
    const bad = await api.call('POST', '/api/v1/tokens', { body: { name: '', role: 'root', extra: 1 } })
    expect(bad.status).toBe(400)
    expect(issuePaths(bad.body)).toEqual(['body.name', 'body.role', 'body.extra'])
    expect((await api.call('DELETE', '/api/v1/tokens/NOT-AN-ID')).body).toMatchObject({ code: 'FLEET_ERR_API_INVALID', issues: [{ path: 'params.id' }] })
  })

  it('revokes tokens, 404 for an unknown one, and never the last admin token', async () => {
    const list = await api.call<{ tokens: TokenView[] }>('GET', '/api/v1/tokens')
    const admin = list.body.tokens.find(t => t.name === 'admin')
    const last = await api.call('DELETE', `/api/v1/tokens/${admin?.id ?? ''}`)
    expect(last).toMatchObject({ status: 409, body: { code: 'FLEET_ERR_API_CONFLICT', hint: 'create another admin token first' } })
    const second = await api.call<{ token: string, id: string }>('POST', '/api/v1/tokens', { body: { name: 'admin2', role: 'admin' } })
    const revoked = await api.call<TokenView>('DELETE', `/api/v1/tokens/${admin?.id ?? ''}`, { token: second.body.token })
    expect(revoked).toMatchObject({ status: 200, body: { revokedBy: 'admin2', revokedMs: api.clock.nowMs() } })
    expect((await api.call('GET', '/api/v1/whoami')).status).toBe(401)
    expect((await api.call('DELETE', '/api/v1/tokens/zzzzzzzzzz', { token: second.body.token })).status).toBe(404)
    api.tokens.admin = second.body.token
  })
})
