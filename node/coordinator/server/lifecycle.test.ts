import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../logging/index.js'
import { systemClock } from '../../ports/index.js'
import { deviceRegistry } from '../registry/index.js'
import { CoordinatorStore } from '../store/index.js'
import { ApiListenError, createApiServer } from './index.js'

async function open (path?: string): Promise<{ store: CoordinatorStore, make: () => ReturnType<typeof createApiServer> }> {
  const store = await CoordinatorStore.open(path ?? join(await mkdtemp(join(tmpdir(), 'fleetd-life-')), 'fleet.db'))
  const clock = systemClock()
  const registry = deviceRegistry()({ store, clock, logger: silentLogger })
  return { store, make: () => createApiServer({ store, registry, clock, logger: silentLogger }) }
}

describe('API server lifecycle on 127.0.0.1', () => {
  it('prints the admin token only on the first start; restarting loses nothing', async () => {
    const first = await open()
    const server = first.make()
    const { url, port, adminToken } = await server.listen(0, '127.0.0.1')
    expect(url).toBe(`http://127.0.0.1:${port}`)
    expect(adminToken).toMatch(/^fleetd_/)
    const created = await fetch(`${url}/api/v1/apps`, {
      method: 'POST', headers: { authorization: `Bearer ${adminToken ?? ''}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'web', artifact: 'web:1.0.0' })
    })
    expect(created.status).toBe(201)
    await server.close()
    await server.close()
    // New connections are refused once closed; the store stays open for its owner, flushed.
    await expect(fetch(`${url}/api/v1/health`)).rejects.toThrow()
    expect((await first.store.apps.get('web'))?.name).toBe('web')
    await first.store.close()

    const second = await open(first.store.path)
    const again = second.make()
    const restarted = await again.listen(0, '127.0.0.1')
    expect(restarted.adminToken).toBeUndefined()
    const apps = await fetch(`${restarted.url}/api/v1/apps`, { headers: { authorization: `Bearer ${adminToken ?? ''}` } })
    expect(await apps.json()).toMatchObject({ apps: [{ name: 'web' }] })
    await again.close()
    await second.store.close()
  })

  it('a port in use is a coded listen error', async () => {
    const a = await open()
    const b = await open()
    const first = a.make()
    const { port } = await first.listen(0, '127.0.0.1')
    const err = await b.make().listen(port, '127.0.0.1').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiListenError)
    expect(err).toMatchObject({ code: 'FLEET_ERR_API_LISTEN', message: expect.stringContaining('the port is in use') as string })
    await first.close()
    await a.store.close()
    await b.store.close()
  })
})
