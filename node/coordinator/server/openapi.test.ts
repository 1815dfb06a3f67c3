import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApi } from './test-support.js'
import type { OpenApiDocument } from './index.js'
import type { TestApi } from './test-support.js'

let api: TestApi
beforeAll(async () => { api = await testApi() })
afterAll(async () => { await api.close() })

describe('OpenAPI document', () => {
  it('lists every served route, with its role, parameters, body and error answers', async () => {
    const { body: doc } = await api.call<OpenApiDocument>('GET', '/api/v1/openapi.json', { token: null })
    expect(doc.openapi).toBe('3.1.0')
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map(m => `${m.toUpperCase()} ${path}`)).sort()
    const served = api.server.routes.map(r => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`).sort()
    expect(documented).toEqual(served)
    // Fastify's own table: nothing is served that the route table (and so the document) lacks.
    const printed = api.server.fastify.printRoutes({ commonPrefix: false })
    for (const route of api.server.routes) expect(printed).toContain(route.path.split('/').at(-1) ?? '')
    expect(served).toEqual(expect.arrayContaining([
      'GET /api/v1/health', 'GET /api/v1/openapi.json', 'GET /api/v1/devices', 'GET /api/v1/devices/{id}', 'POST /api/v1/devices',
      'POST /api/v1/devices/{id}/labels', 'GET /api/v1/tokens', 'POST /api/v1/tokens', 'DELETE /api/v1/tokens/{id}', 'GET /api/v1/apps',
      'GET /api/v1/apps/{name}', 'POST /api/v1/apps', 'GET /api/v1/deployments', 'GET /api/v1/deployments/{id}', 'POST /api/v1/deployments',
      'POST /api/v1/deployments/{id}/promote', 'POST /api/v1/deployments/{id}/pause', 'POST /api/v1/deployments/{id}/resume',
      'POST /api/v1/deployments/{id}/rollback', 'GET /api/v1/deployments/{id}/reports', 'GET /api/v1/audit', 'GET /api/v1/audit/verify'
    ]))
    interface Operation {
      security?: unknown[]
      responses: Record<string, unknown>
      parameters: Array<{ name: string, in: string, required: boolean }>
      requestBody: { content: { 'application/json': { schema: { required?: string[], properties: Record<string, unknown> } } } }
    }
    const get = (path: string, method: string): Operation => (doc.paths[path] as Record<string, Operation>)[method] as Operation
    expect(get('/api/v1/health', 'get').security).toEqual([])
    expect(get('/api/v1/tokens', 'post')).toMatchObject({ 'x-fleetd-role': 'admin', security: [{ bearer: [] }] })
    expect(Object.keys(get('/api/v1/tokens', 'post').responses)).toEqual(['201', '400', '401', '403', '409', '413', '500'])
    expect(get('/api/v1/devices/{id}', 'get').parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })])
    expect(get('/api/v1/devices', 'get').parameters.map(p => p.name)).toEqual(['status', 'group', 'label', 'limit', 'after'])
    const appBody = get('/api/v1/apps', 'post').requestBody.content['application/json'].schema
    expect(appBody.required).toEqual(['name', 'artifact'])
    expect(Object.keys(appBody.properties)).toEqual(['name', 'artifact', 'runtime', 'args', 'env', 'limits', 'healthCheck', 'restartPolicy'])
    const deploymentBody = get('/api/v1/deployments', 'post').requestBody.content['application/json'].schema
    expect(deploymentBody.required).toEqual(['app', 'target', 'strategy'])
    // Shared definitions are lifted into components, and every $ref resolves.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(m => m[1] ?? '')
    expect(refs.length).toBeGreaterThan(10)
    for (const ref of refs) expect(doc.components.schemas, ref).toHaveProperty(ref)
    expect(JSON.stringify(doc)).not.toContain('#/$defs')
  })

  it('is the same document at the root and under /api/v1', async () => {
    const a = await api.call('GET', '/openapi.json', { token: null })
    const b = await api.call('GET', '/api/v1/openapi.json', { token: null })
    expect(a.body).toEqual(b.body)
  })
})
