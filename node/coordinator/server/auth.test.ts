import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApi } from './test-support.js'
import type { TestApi } from './test-support.js'
import type { Actor, OpenApiDocument } from './index.js'

let api: TestApi
beforeAll(async () => { api = await testApi() })
afterAll(async () => { await api.close() })

describe('API authentication and roles', () => {
  it('creates exactly one admin token on the first start, and none after', async () => {
    expect(api.tokens.admin).toMatch(/^fleetd_[a-z2-7]{10}_[A-Za-z0-9_-]{43}$/)
    expect(await api.server.ensureAdminToken()).toBeUndefined()
    const { body } = await api.call<Actor>('GET', '/api/v1/whoami')
    expect(body).toMatchObject({ name: 'admin', role: 'admin' })
  })

  it('answers 401 with {error, code, hint} for a missing, malformed, unknown or revoked token', async () => {
    for (const token of [null, 'not-bearer', 'fleetd_aaaaaaaaaaaaaaaa_' + 'x'.repeat(43)]) {
      const res = await api.call('GET', '/api/v1/devices', { token })
      expect(res.status, String(token)).toBe(401)
      expect(res.body).toEqual({ error: expect.any(String) as string, code: 'FLEET_ERR_API_UNAUTHORIZED', hint: expect.stringContaining('Bearer') as string })
    }
    const raw = await api.server.fastify.inject({ method: 'GET', url: '/api/v1/devices', headers: { authorization: 'Basic abc' } })
    expect(raw.json()).toMatchObject({ code: 'FLEET_ERR_API_UNAUTHORIZED', error: "the Authorization header is not 'Bearer <token>'" })
    const created = await api.call<{ token: string, id: string }>('POST', '/api/v1/tokens', { body: { name: 'temp', role: 'viewer' } })
    expect((await api.call('GET', '/api/v1/devices', { token: created.body.token })).status).toBe(200)
    expect((await api.call('DELETE', `/api/v1/tokens/${created.body.id}`)).status).toBe(200)
    const revoked = await api.call('GET', '/api/v1/devices', { token: created.body.token })
    expect(revoked).toMatchObject({ status: 401, body: { code: 'FLEET_ERR_API_UNAUTHORIZED', error: "the API token 'temp' was revoked" } })
  })

  it('answers 403 naming the role needed when a viewer writes or an operator manages tokens', async () => {
    const viewerWrite = await api.call('POST', '/api/v1/apps', { token: api.tokens.viewer, body: { name: 'web', artifact: 'web:1.0.0' } })
    expect(viewerWrite.status).toBe(403)
    expect(viewerWrite.body).toEqual({
      error: "the token 'viewer' has role viewer; POST /api/v1/apps needs operator",
      code: 'FLEET_ERR_API_FORBIDDEN',
      hint: 'a viewer may read; ask an admin for a operator token'
    })
    const operatorTokens = await api.call('GET', '/api/v1/tokens', { token: api.tokens.operator })
    expect(operatorTokens).toMatchObject({ status: 403, body: { code: 'FLEET_ERR_API_FORBIDDEN' } })
    expect((await api.call('POST', '/api/v1/devices', { token: api.tokens.operator, body: { id: 'dev-1' } })).status).toBe(403)
    // 401/403 come before validation: an anonymous caller learns nothing about the body's shape.
    expect((await api.call('POST', '/api/v1/apps', { token: api.tokens.viewer, body: { bad: true } })).status).toBe(403)
  })

  it('serves health and the document without a token', async () => {
    const health = await api.call('GET', '/api/v1/health', { token: null })
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', nowMs: api.clock.nowMs() } })
    expect((await api.call('GET', '/health', { token: null })).status).toBe(200)
    expect((await api.call<OpenApiDocument>('GET', '/api/v1/openapi.json', { token: null })).body.openapi).toBe('3.1.0')
  })

  it('answers unknown routes and bad bodies with coded errors', async () => {
    expect(await api.call('GET', '/api/v1/nope')).toMatchObject({ status: 404, body: { code: 'FLEET_ERR_API_NOT_FOUND', hint: expect.stringContaining('openapi.json') as string } })
    const notJson = await api.server.fastify.inject({
      method: 'POST', url: '/api/v1/apps', headers: { authorization: `Bearer ${api.tokens.admin}`, 'content-type': 'application/json' }, payload: '{"name":'
    })
    expect(notJson.statusCode).toBe(400)
    expect(notJson.json()).toMatchObject({ code: 'FLEET_ERR_API_INVALID', error: 'invalid request: body: the body is not valid JSON' })
    const big = await api.call('POST', '/api/v1/apps', { body: { name: 'web', artifact: 'web:1.0.0', env: { BIG: 'x'.repeat(70_000) } } })
    expect(big).toMatchObject({ status: 413, body: { code: 'FLEET_ERR_API_BODY_TOO_LARGE' } })
    const noBody = await api.call('POST', '/api/v1/apps')
    expect(noBody).toMatchObject({ status: 400, body: { code: 'FLEET_ERR_API_INVALID', issues: [{ path: 'body' }] } })
  })
})
