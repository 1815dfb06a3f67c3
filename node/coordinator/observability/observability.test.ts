/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any -- response bodies are checked by the server's own response schemas (checkResponses) and by the expectations */
import { spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Health, WIRE_VERSION } from '../../../proto/index.js'
import { silentLogger } from '../../logging/index.js'
import { TELEMETRY_STEP } from '../../telemetry/index.js'
import { deviceRegistry } from '../registry/index.js'
import { createApiServer } from '../server/index.js'
import { manualClock } from '../server/test-support.js'
import { CoordinatorStore } from '../store/index.js'
import { observability } from './index.js'
import type { Observability } from './index.js'
import type { ApiServer } from '../server/index.js'
import type { DeviceRegistry } from '../registry/index.js'
import type { DeviceReport } from '../../../proto/index.js'

const DEV = '12D3KooWObservabilityTestDeviceA'
const DEV2 = '12D3KooWObservabilityTestDeviceB'

interface Setup { server: ApiServer, obs: Observability, store: CoordinatorStore, registry: DeviceRegistry, clock: ReturnType<typeof manualClock>, admin: string, operator: string, viewer: string }

function telemetryReport (deviceId: string, seq: number, atMs: number, metrics: Record<string, number>): DeviceReport {
  return {
    version: WIRE_VERSION, deviceId, deploymentId: '', planSeq: 0, step: TELEMETRY_STEP, appVersion: '', health: Health.HEALTHY,
    errorCode: '', errorMessage: '', metrics: new Map(Object.entries(metrics)), sentMs: atMs, seq
  }
}

describe('coordinator observability (real store, real HTTP server)', () => {
  const closers: Array<() => Promise<void>> = []
  afterEach(async () => { for (const c of closers.splice(0).reverse()) await c() })

  async function setup (): Promise<Setup> {
    const store = await CoordinatorStore.open(join(await mkdtemp(join(tmpdir(), 'fleetd-obs-')), 'fleet.db'))
    const clock = manualClock()
    const registry = deviceRegistry()({ store, clock, logger: silentLogger })
    const obs = await observability()({ store, registry, clock, random: { nextU32: () => 7 }, logger: silentLogger, version: '0.0.0-test' })
    const server = createApiServer({ store, registry, clock, logger: silentLogger, plugins: [obs.plugin], checkResponses: true })
    closers.push(async () => { await server.close(); await obs.stop(); await store.close() })
    const admin = await server.ensureAdminToken() ?? ''
    const create = async (role: string): Promise<string> => (await server.fastify.inject({ method: 'POST', url: '/api/v1/tokens', headers: { authorization: `Bearer ${admin}` }, payload: { name: role, role } })).json<{ token: string }>().token
    return { server, obs, store, registry, clock, admin, operator: await create('operator'), viewer: await create('viewer') }
  }

  const get = async (s: Setup, url: string, token: string | null = s.viewer): Promise<{ status: number, body: any, text: string, type: string }> => {
    const res = await s.server.fastify.inject({ method: 'GET', url, headers: token == null ? {} : { authorization: `Bearer ${token}` } })
    return { status: res.statusCode, body: res.headers['content-type']?.toString().includes('json') === true ? res.json() : undefined, text: res.body, type: String(res.headers['content-type']) }
  }

  it('takes telemetry reports (and leaves deployment reports to the registry), answers latest, ranges and summaries', async () => {
    const s = await setup()
    const t0 = s.clock.nowMs()
    for (let i = 0; i < 6; i++) {
      expect(await s.obs.onReport(telemetryReport(DEV, i + 1, t0 + i * 10_000, { cpu_percent: 10 + i, memory_used_bytes: 1000, 'app:web:up': 1, 'web/error_rate': 0.002 * i }))).toBe(true)
    }
    await s.obs.onReport(telemetryReport(DEV2, 1, t0, { cpu_percent: 50, memory_used_bytes: 3000 }))
    expect(await s.obs.onReport({ ...telemetryReport(DEV, 99, t0, {}), deploymentId: 'dep-1', step: 'switch' })).toBe(false)
    s.clock.advance(60_000)

    const latest = await get(s, `/api/v1/devices/${DEV}/metrics`)
    expect(latest.body).toMatchObject({ deviceId: DEV, atMs: t0 + 50_000, metrics: { cpu_percent: 15 } })
    const range = await get(s, `/api/v1/devices/${DEV}/metrics?metric=cpu&from=${t0}&to=${t0 + 60_000}&resolution=raw`)
    expect(range.body.points.map((p: { v: number }) => p.v)).toEqual([10, 11, 12, 13, 14, 15])
    expect((await get(s, `/api/v1/devices/${DEV}/metrics?metric=cpu_percent&from=10&to=5`)).body.code).toBe('FLEET_ERR_API_INVALID')
    expect((await get(s, '/api/v1/devices/12D3KooWNeverSentAnything/metrics')).status).toBe(404)

    const summary = await get(s, '/api/v1/telemetry/summary?metrics=cpu,error_rate')
    expect(summary.body).toMatchObject({ devices: 2, metrics: { cpu: { devices: 2, avg: 32.5, min: 15, max: 50 }, error_rate: { devices: 1, max: 0.01 } } })
    expect((await get(s, '/api/v1/telemetry/summary?metrics=cpu&app=web')).body.devices).toBe(1)
    const bulk = await get(s, `/api/v1/telemetry/latest?ids=${DEV},${DEV2},12D3KooWUnknown`)
    expect(bulk.body.samples.map((x: { deviceId: string }) => x.deviceId)).toEqual([DEV, DEV2])
    expect((await get(s, '/api/v1/fleet/health')).body.health.telemetry).toMatchObject({ reporting: 2, cpuPercentAvg: 32.5 })
    // The routes join the OpenAPI document.
    const doc = await get(s, '/api/v1/openapi.json', null)
    expect(Object.keys(doc.body.paths as object)).toEqual(expect.arrayContaining(['/api/v1/devices/{id}/metrics', '/api/v1/telemetry/summary', '/api/v1/alerts/rules']))
  })

  it('takes a delivered batch in order: telemetry runs stored at once, other reports handed on one by one, stops at a failure', async () => {
    const s = await setup()
    const t0 = s.clock.nowMs()
    const deployment = (seq: number): DeviceReport => ({ ...telemetryReport(DEV, seq, t0, {}), deploymentId: 'dep-1', step: 'switch' })
    const batch = [telemetryReport(DEV, 1, t0, { cpu_percent: 1 }), deployment(2), telemetryReport(DEV, 3, t0 + 1, { cpu_percent: 3 }), telemetryReport(DEV2, 4, t0, { cpu_percent: 4 })]
    const passed: number[] = []
    expect(await s.obs.onBatch(batch, async r => { passed.push(r.seq); await Promise.resolve() })).toBe(4)
    expect(passed).toEqual([2])
    expect(s.obs.telemetry.stats()).toMatchObject({ samples: 3, devices: 2 })
    const failing = [deployment(5), telemetryReport(DEV, 6, t0 + 2, { cpu_percent: 6 })]
    expect(await s.obs.onBatch(failing, async () => { await Promise.reject(new Error('store full')) })).toBe(0)
    expect(s.obs.telemetry.latest(DEV)?.seq).toBe(3)
  })

  it('moves a known device\'s last-seen when its telemetry arrives (one report or a batch)', async () => {
    const s = await setup()
    await s.registry.register({ id: DEV }, 'test')
    expect((await s.registry.get(DEV))?.lastSeenMs).toBeNull()
    await s.obs.onReport(telemetryReport(DEV, 1, s.clock.nowMs(), { cpu_percent: 1 }))
    expect((await s.registry.get(DEV))?.lastSeenMs).toBe(s.clock.nowMs())
    s.clock.advance(20_000)
    expect(await s.obs.onBatch([telemetryReport(DEV, 2, s.clock.nowMs(), { cpu_percent: 2 })], async () => { await Promise.resolve() })).toBe(1)
    expect(await s.registry.get(DEV)).toMatchObject({ lastSeenMs: s.clock.nowMs(), status: 'online' })
  })

  it('serves Prometheus text behind a token that promtool accepts', async () => {
    const s = await setup()
    await s.obs.onReport(telemetryReport(DEV, 1, s.clock.nowMs(), { cpu_percent: 12.5, memory_used_bytes: 2048, disk_used_bytes: 4096, load1: 0.5 }))
    await s.obs.alerts.setRule({ id: 'hot', kind: 'threshold', metric: 'cpu_percent', op: '>', threshold: 10 })
    await s.obs.onReport(telemetryReport(DEV, 2, s.clock.nowMs() + 1000, { cpu_percent: 80 }))
    expect((await get(s, '/metrics', null)).status).toBe(401)
    const res = await get(s, '/metrics')
    expect(res.status).toBe(200)
    expect(res.type).toContain('text/plain; version=0.0.4')
    expect(res.text).toContain(`fleetd_device_cpu_percent{device="${DEV}",name=""} 80`)
    expect(res.text).toMatch(/^fleetd_alerts_firing 1$/m)
    expect(res.text).toMatch(/^fleetd_telemetry_samples_total 2$/m)
    const check = await promtool(res.text)
    expect(check.stderr + check.stdout).toBe('')
    expect(check.code).toBe(0)
    // promtool is a real checker: a broken exposition fails it (so the assertion above can fail).
    expect((await promtool('# TYPE x counter\nx{a="1" 2\n')).code).not.toBe(0)
  })

  it('alert rules: viewers read, operators write; a sample over the threshold fires an alert', async () => {
    const s = await setup()
    const post = async (token: string, payload: Record<string, unknown>): Promise<{ status: number, body: { code?: string } }> => {
      const res = await s.server.fastify.inject({ method: 'POST', url: '/api/v1/alerts/rules', headers: { authorization: `Bearer ${token}` }, payload })
      return { status: res.statusCode, body: res.json() }
    }
    const rule = { id: 'errors', kind: 'threshold', metric: 'error_rate', op: '>', threshold: 0.01, severity: 'critical' }
    expect((await post(s.viewer, rule)).status).toBe(403)
    const bad = await post(s.operator, { ...rule, op: '=>' })
    expect(bad.status).toBe(400)
    expect(bad.body.code).toBe('FLEET_ERR_API_INVALID')
    expect((await post(s.operator, rule)).status).toBe(201)
    await s.obs.onReport(telemetryReport(DEV, 1, s.clock.nowMs(), { 'web/error_rate': 0.05 }))
    await s.obs.alerts.drain()
    await new Promise(resolve => setImmediate(resolve))
    const alerts = await get(s, '/api/v1/alerts?state=firing')
    expect(alerts.body.alerts).toMatchObject([{ ruleId: 'errors', deviceId: DEV, metric: 'web/error_rate', severity: 'critical', state: 'firing' }])
  })

  it('answers one deployment\'s phases at once, though the fleet snapshot is cached and does not list it yet', async () => {
    const s = await setup()
    expect((await get(s, '/api/v1/fleet/health')).body.deployments).toEqual([])
    await s.store.deployments.put('dep-new', {
      id: 'dep-new', app: 'web', artifact: { name: 'web', version: '2.0.0' }, target: 'all', strategy: 'canary', state: 'running', phase: 0,
      spec: { app: 'web', version: '2.0.0', target: 'all', strategy: 'canary', phases: [{ percent: 34, durationMs: 1_000 }, { percent: 67, durationMs: 1_000 }, { percent: 100, durationMs: 1_000, validation: 'manual' }] },
      createdMs: 1, createdBy: 'admin', updatedMs: 1, events: []
    })
    // The snapshot is still the cached one (the clock has not moved), which is what the page once drew as 'all: 100 %'.
    expect((await get(s, '/api/v1/fleet/health')).body.deployments).toEqual([])
    const one = await get(s, '/api/v1/fleet/deployments/dep-new')
    expect(one.status).toBe(200)
    expect(one.body.deployment).toMatchObject({ id: 'dep-new', state: 'running', phase: 0, phases: 3 })
    expect(one.body.deployment.phaseList.map((p: { percent: number, validation: string }) => `${p.percent}:${p.validation}`)).toEqual(['34:auto', '67:auto', '100:manual'])
    expect((await get(s, '/api/v1/fleet/deployments/dep-nope')).status).toBe(404)
    expect((await get(s, '/api/v1/fleet/deployments/dep-new', null)).status).toBe(401)
  })

  it('streams metrics and deployment progress as Server-Sent Events over real HTTP; refuses without a token', async () => {
    const s = await setup()
    const { url } = await s.server.listen(0, '127.0.0.1')
    expect((await fetch(`${url}/api/v1/events`)).status).toBe(401)
    expect((await fetch(`${url}/api/v1/events?topics=nope`, { headers: { authorization: `Bearer ${s.viewer}` } })).status).toBe(400)
    const controller = new AbortController()
    const res = await fetch(`${url}/api/v1/events?topics=metrics,fleet&device=${DEV}`, { headers: { authorization: `Bearer ${s.viewer}` }, signal: controller.signal })
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    if (res.body == null) throw new Error('no body')
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
    let text = ''
    const until = async (pattern: RegExp): Promise<void> => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read()
        if (done) throw new Error(`stream ended before ${String(pattern)}: ${text}`)
        text += value
      }
    }
    await until(/event: fleet\ndata: \{"atMs"/)
    await s.obs.onReport(telemetryReport(DEV, 1, s.clock.nowMs(), { cpu_percent: 33 }))
    await until(/event: metrics\ndata: \{"samples":\[\{"deviceId":"12D3KooWObservabilityTestDeviceA".*"cpu_percent":33/)
    controller.abort()
    // The dashboard's files are served without a token; the page asks for one.
    const page = await fetch(`${url}/ui/`)
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(await page.text()).toContain('<form id="login"')
    expect((await fetch(`${url}/ui/app.js`)).headers.get('content-type')).toContain('text/javascript')
  })
})

async function promtool (text: string): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return await new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''; let stderr = ''
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
    child.on('error', reject)
    child.on('close', code => { resolve({ code, stdout, stderr }) })
    child.stdin.end(text)
  })
}
