import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseHealthCheckUrl } from './index.js'
import { issuePaths, testApi } from './test-support.js'
import type { TestApi } from './test-support.js'
import type { AppRecord, AuditEntry } from '../store/index.js'

let api: TestApi
beforeAll(async () => { api = await testApi() })
afterAll(async () => { await api.close() })

const web = {
  name: 'web', artifact: 'web:1.4.2', runtime: 'process', healthCheck: 'http://localhost:8080/health',
  limits: { memory: '256Mi', cpu: '500m' }, env: { PORT: '8080' }, restartPolicy: 'always'
}

describe('app routes', () => {
  it('parses health check URLs into checks run on the device', () => {
    expect(parseHealthCheckUrl('http://localhost:8080/health')).toEqual({ kind: 'http', port: 8080, path: '/health' })
    expect(parseHealthCheckUrl('http://127.0.0.1/ready?deep=1')).toEqual({ kind: 'http', port: 80, path: '/ready?deep=1' })
    expect(parseHealthCheckUrl('tcp://localhost:9000')).toEqual({ kind: 'tcp', port: 9000 })
    expect(parseHealthCheckUrl('http://example.com:8080/health')).toMatch(/must be localhost/)
    expect(parseHealthCheckUrl('tcp://localhost')).toMatch(/needs a port/)
    expect(parseHealthCheckUrl('ftp://localhost:21')).toMatch(/scheme must be http: or tcp:/)
    expect(parseHealthCheckUrl('localhost:8080')).toMatch(/scheme must be/)
    expect(parseHealthCheckUrl('::nope')).toMatch(/expected a URL/)
  })

  it('401 without a token, 403 for a viewer creating', async () => {
    expect((await api.call('GET', '/api/v1/apps', { token: null })).status).toBe(401)
    expect((await api.call('POST', '/api/v1/apps', { token: api.tokens.viewer, body: web })).status).toBe(403)
  })

  it('creates an app (operator) with artifact, runtime, health check, limits, env, restart policy; audits it', async () => {
    const res = await api.call<AppRecord>('POST', '/api/v1/apps', { token: api.tokens.operator, body: web })
    expect(res.status).toBe(201)
    expect(res.body).toEqual({
      name: 'web', artifact: { name: 'web', version: '1.4.2' }, runtime: 'process', args: [], env: { PORT: '8080' },
      limits: { memory: '256Mi', cpu: '500m' }, healthCheck: { kind: 'http', port: 8080, path: '/health' }, restartPolicy: 'always',
      createdMs: api.clock.nowMs(), createdBy: 'operator'
    })
    const minimal = await api.call<AppRecord>('POST', '/api/v1/apps', { token: api.tokens.operator, body: { name: 'agent', artifact: 'agent@2.0.0', healthCheck: { kind: 'exec', command: ['/bin/true'] } } })
    expect(minimal.body).toMatchObject({ runtime: 'process', restartPolicy: 'on-failure', limits: {}, healthCheck: { kind: 'exec' } })
    expect(await api.call('POST', '/api/v1/apps', { token: api.tokens.operator, body: web })).toMatchObject({ status: 409, body: { code: 'FLEET_ERR_API_CONFLICT' } })
    const audit = await api.call<{ entries: AuditEntry[] }>('GET', '/api/v1/audit')
    expect(audit.body.entries.find(e => e.action === 'app.create')).toMatchObject({ actor: 'operator', artifactVersion: 'web@1.4.2', detail: { app: 'web' } })
  })

  it('lists and shows apps for a viewer; 404 for an unknown one', async () => {
    const list = await api.call<{ apps: AppRecord[] }>('GET', '/api/v1/apps', { token: api.tokens.viewer })
    expect(list.body.apps.map(a => a.name)).toEqual(['agent', 'web'])
    expect((await api.call<AppRecord>('GET', '/api/v1/apps/web', { token: api.tokens.viewer })).body.artifact.version).toBe('1.4.2')
    expect((await api.call('GET', '/api/v1/apps/nope')).status).toBe(404)
  })

  it('names each wrong field', async () => {
    const bad = await api.call('POST', '/api/v1/apps', {
      token: api.tokens.operator,
      body: { name: 'Web App', artifact: 'web', runtime: 'vm', healthCheck: 'http://example.com/health', limits: { memory: '2 GB' }, env: { '1X': 'y' }, restartPolicy: 'sometimes' }
    })
    expect(bad.status).toBe(400)
    expect(issuePaths(bad.body)).toEqual([
      'body.name', 'body.artifact', 'body.runtime', 'body.env.1X', 'body.limits.memory', 'body.healthCheck', 'body.restartPolicy'
    ])
    expect(bad.body.error).toMatch(/^invalid request: body.name: names are 1–63/)
    expect(bad.body.issues?.find(i => i.path === 'body.artifact')?.message).toMatch(/expected NAME:VERSION like web:1.4.2/)
    expect(bad.body.issues?.find(i => i.path === 'body.healthCheck')?.message).toMatch(/host must be localhost/)
    expect(bad.body.issues?.find(i => i.path === 'body.limits.memory')?.message).toMatch(/memory/)
  })
})
