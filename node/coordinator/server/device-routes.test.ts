import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issuePaths, testApi } from './test-support.js'
import type { TestApi } from './test-support.js'
import type { DeviceView } from '../registry/index.js'
import type { AuditEntry } from '../store/index.js'

interface DeviceList { devices: DeviceView[], next?: string }

let api: TestApi
beforeAll(async () => {
  api = await testApi()
  const presence = (id: string, labels: Record<string, string>) => ({
    deviceId: id, name: `node-${id}`, platform: 'linux/arm64', tier: 1, agentVersion: '0.1.0', labels, addresses: [],
    firstSeenMs: api.clock.nowMs(), lastSeenMs: api.clock.nowMs(), announceSeq: 1, announced: true
  })
  await api.registry.applyPresence([presence('12D3KooWaaa', { site: 'berlin' }), presence('12D3KooWbbb', { site: 'paris' })])
})
afterAll(async () => { await api.close() })

describe('device routes', () => {
  it('401 without a token', async () => {
    expect((await api.call('GET', '/api/v1/devices', { token: null })).status).toBe(401)
    expect((await api.call('GET', '/api/v1/devices/12D3KooWaaa', { token: null })).status).toBe(401)
  })

  it('lists devices with status, last seen, labels and groups, filtered and paged, for a viewer', async () => {
    const all = await api.call<DeviceList>('GET', '/api/v1/devices', { token: api.tokens.viewer })
    expect(all.status).toBe(200)
    expect(all.body.devices).toHaveLength(2)
    expect(all.body.devices[0]).toMatchObject({ id: '12D3KooWaaa', name: 'node-12D3KooWaaa', status: 'online', lastSeenMs: api.clock.nowMs(), labels: { site: 'berlin' }, groups: [], apps: {} })
    const paris = await api.call<DeviceList>('GET', '/api/v1/devices?label=site=paris', { token: api.tokens.viewer })
    expect(paris.body.devices.map(d => d.id)).toEqual(['12D3KooWbbb'])
    const page = await api.call('GET', '/api/v1/devices?limit=1', { token: api.tokens.viewer })
    expect(page.body).toMatchObject({ devices: [{ id: '12D3KooWaaa' }], next: '12D3KooWaaa' })
    const next = await api.call('GET', '/api/v1/devices?limit=1&after=12D3KooWaaa', { token: api.tokens.viewer })
    expect(next.body).toEqual({ devices: [expect.objectContaining({ id: '12D3KooWbbb' })] })
  })

  it('names the bad query field', async () => {
    const res = await api.call('GET', '/api/v1/devices?status=sleeping&limit=0')
    expect(res.status).toBe(400)
    expect(res.body.code).toBe('FLEET_ERR_API_INVALID')
    expect(issuePaths(res.body)).toEqual(['query.status', 'query.limit'])
    expect((await api.call('GET', '/api/v1/devices?label=nolabel')).body.error).toMatch(/query.label: expected key=value, got 'nolabel'/)
    expect((await api.call('GET', '/api/v1/devices?color=red')).body.error).toMatch(/query.color: unknown field/)
  })

  it('shows one device, 404 for an unknown one', async () => {
    expect((await api.call('GET', '/api/v1/devices/12D3KooWbbb', { token: api.tokens.viewer })).body).toMatchObject({ id: '12D3KooWbbb', platform: 'linux/arm64' })
    expect(await api.call('GET', '/api/v1/devices/nope')).toMatchObject({ status: 404, body: { code: 'FLEET_ERR_API_NOT_FOUND' } })
  })

  it('registers a device (admin): 201, 409 when registered, 403 for an operator, fields named when wrong', async () => {
    const body = { id: 'esp32-kitchen', name: 'kitchen', tier: 3, parent: '12D3KooWaaa', labels: { room: 'kitchen' }, groups: ['sensors'] }
    expect((await api.call('POST', '/api/v1/devices', { token: api.tokens.operator, body })).status).toBe(403)
    const created = await api.call('POST', '/api/v1/devices', { body })
    expect(created).toMatchObject({ status: 201, body: { id: 'esp32-kitchen', status: 'offline', lastSeenMs: null, source: 'registered', groups: ['sensors'], registeredBy: 'admin' } })
    expect(await api.call('POST', '/api/v1/devices', { body })).toMatchObject({ status: 409, body: { code: 'FLEET_ERR_API_CONFLICT' } })
    const bad = await api.call('POST', '/api/v1/devices', { body: { id: 'a/b', tier: 9, platform: 'arm64' } })
    expect(bad.status).toBe(400)
    expect(issuePaths(bad.body)).toEqual(['body.id', 'body.platform', 'body.tier'])
  })

  it('labels a device (admin) and records it in the audit log', async () => {
    const res = await api.call('POST', '/api/v1/devices/12D3KooWaaa/labels', { body: { set: { ring: '0' }, addGroups: ['canary'] } })
    expect(res).toMatchObject({ status: 200, body: { labels: { site: 'berlin', ring: '0' }, groups: ['canary'] } })
    expect((await api.call('POST', '/api/v1/devices/12D3KooWaaa/labels', { token: api.tokens.viewer, body: { set: { ring: '1' } } })).status).toBe(403)
    expect((await api.call('POST', '/api/v1/devices/nope/labels', { body: {} })).status).toBe(404)
    expect((await api.call('POST', '/api/v1/devices/12D3KooWaaa/labels', { body: { set: { 'bad key': 'x' } } })).body.error).toMatch(/body\.set\.bad key/)
    const audit = await api.call<{ entries: AuditEntry[] }>('GET', '/api/v1/audit')
    expect(audit.body.entries.at(-1)).toMatchObject({ actor: 'admin', action: 'device.label', detail: { deviceId: '12D3KooWaaa', set: { ring: '0' } } })
  })
})
