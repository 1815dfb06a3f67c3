import { createServer } from 'node:http'
import { createServer as createTcpServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../ports/index.js'
import { HealthCheckFailedError, HealthMonitor, healthCheckSchema, probe } from './index.js'
import type { AddressInfo } from 'node:net'

let port = 0
let healthy = true
const server = createServer((req, res) => {
  res.writeHead(req.url === '/health' && healthy ? 200 : 503)
  res.end()
})

beforeAll(async () => {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => { await new Promise(resolve => server.close(resolve)) })

describe('probes on real sockets and processes', () => {
  it('http: 2xx is healthy, anything else names the status, a closed port is refused', async () => {
    expect(await probe(healthCheckSchema.parse({ kind: 'http', port }))).toEqual({ ok: true, detail: 'HTTP 200' })
    expect((await probe(healthCheckSchema.parse({ kind: 'http', port, path: '/other' }))).detail).toMatch(/HTTP 503 from \/other \(expected 2xx\)/)
    expect(await probe(healthCheckSchema.parse({ kind: 'http', port, expectStatus: 503, path: '/x' }))).toMatchObject({ ok: true })
    const closed = createTcpServer()
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
    const closedPort = (closed.address() as AddressInfo).port
    await new Promise(resolve => closed.close(resolve))
    expect(await probe(healthCheckSchema.parse({ kind: 'http', port: closedPort }))).toMatchObject({ ok: false, detail: expect.stringMatching(/connection refused/) as string })
  })

  it('http: the port may come from the instance', async () => {
    expect(await probe(healthCheckSchema.parse({ kind: 'http' }), { port })).toMatchObject({ ok: true })
    expect((await probe(healthCheckSchema.parse({ kind: 'http' }))).detail).toMatch(/has no port/)
  })

  it('tcp: connect succeeds on a listening port', async () => {
    expect(await probe(healthCheckSchema.parse({ kind: 'tcp', port }))).toMatchObject({ ok: true })
  })

  it('exec: exit 0 is healthy; otherwise the exit code and output; a hung command times out', async () => {
    expect(await probe(healthCheckSchema.parse({ kind: 'exec', command: ['/bin/sh', '-c', 'exit 0'] }))).toEqual({ ok: true, detail: 'exit 0' })
    expect((await probe(healthCheckSchema.parse({ kind: 'exec', command: ['/bin/sh', '-c', 'echo disk full >&2; exit 3'] }))).detail).toBe('/bin/sh exited 3: disk full')
    expect((await probe(healthCheckSchema.parse({ kind: 'exec', command: ['/bin/sleep', '5'], timeoutMs: 200 }))).detail).toMatch(/timed out after 200 ms/)
    expect((await probe(healthCheckSchema.parse({ kind: 'exec', command: ['/no/such/tool'] }))).detail).toMatch(/command not found/)
  })

  it('rejects a bad spec naming the field', () => {
    const bad = healthCheckSchema.safeParse({ kind: 'http', port: 70_000 })
    expect(bad.success).toBe(false)
    expect(JSON.stringify(bad.error?.issues[0]?.path)).toBe('["port"]')
  })
})

describe('HealthMonitor', () => {
  it('turns healthy, then unhealthy after `retries` failures, and reports why', async () => {
    healthy = true
    const monitor = new HealthMonitor({ clock: systemClock() }, healthCheckSchema.parse({ kind: 'http', port, intervalMs: 100, retries: 2 }))
    monitor.start()
    await monitor.waitUntilHealthy(5_000)
    healthy = false
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(monitor.status).toBe('unhealthy')
    await expect(monitor.waitUntilHealthy(1_000)).rejects.toThrow(HealthCheckFailedError)
    await expect(monitor.waitUntilHealthy(1_000)).rejects.toThrow(/unhealthy after \d+ failed checks: GET|HTTP 503/)
    monitor.stop()
    healthy = true
  })

  it('does not count failures in the start period', async () => {
    healthy = false
    const monitor = new HealthMonitor({ clock: systemClock() }, healthCheckSchema.parse({ kind: 'http', port, intervalMs: 100, retries: 1, startPeriodMs: 600 }))
    monitor.start()
    await new Promise(resolve => setTimeout(resolve, 350))
    expect(monitor.status).toBe('starting')
    healthy = true
    await monitor.waitUntilHealthy(2_000)
    monitor.stop()
  })
})
