/**
 * The server side of `npm run bench:api`, run as its own process (so the load generator does
 * not share its event loop): a real coordinator API on 127.0.0.1 port 0 over a fresh store in
 * a temp dir, seeded with `argv[2]` devices, apps, deployments and their reports. Tells the
 * parent (over IPC) the URL, an admin and a viewer token, and the ids to ask for, then serves
 * until the parent disconnects.
 *
 * Records go in through the store's own tables (validated like any other write) rather than
 * 10,000 POSTs: what is measured is serving a large fleet, not building one.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deviceRegistry } from '../../node/coordinator/registry/index.js'
import { createApiServer } from '../../node/coordinator/server/index.js'
import { CoordinatorStore } from '../../node/coordinator/store/index.js'
import { silentLogger } from '../../node/logging/index.js'
import { systemClock, systemRandom } from '../../node/ports/index.js'
import { observability } from '../../node/coordinator/observability/index.js'
import type { AppRecord, DeploymentRecord, DeviceRecord, ReportRecord } from '../../node/coordinator/store/index.js'

/** What the parent receives once the server listens. */
export interface BenchServerReady {
  url: string
  adminToken: string
  viewerToken: string
  deviceIds: string[]
  deploymentIds: string[]
  seedMs: number
}

const APPS = ['web', 'telemetry', 'vision']
const DEPLOYMENTS = 12
/** Deployments whose reports cover the whole fleet (the rest have none, as freshly created ones). */
const DEPLOYMENTS_REPORTED = 3
const SITES = 20
const BATCH = 1_000

const deviceCount = Number(process.argv[2])
if (!Number.isInteger(deviceCount) || deviceCount < 1) throw new Error(`usage: api-bench-server.ts DEVICES, got '${process.argv[2] ?? ''}'`)

const dir = await mkdtemp(join(tmpdir(), 'fleetd-api-bench-'))
const store = await CoordinatorStore.open(join(dir, 'fleet.db'))
const clock = systemClock()
const nowMs = clock.nowMs()
const seedStart = performance.now()

const deviceId = (i: number): string => `dev-${String(i).padStart(6, '0')}`
const apps: AppRecord[] = APPS.map(name => ({
  name, artifact: { name, version: '1.4.2' }, runtime: 'process', args: ['--port', '8080'], env: { LOG_LEVEL: 'info' },
  limits: { memory: '256Mi', cpu: '500m' }, healthCheck: { kind: 'http', port: 8080, path: '/health' }, restartPolicy: 'on-failure',
  createdMs: nowMs - 86_400_000, createdBy: 'admin'
}))
for (const app of apps) await store.apps.put(app.name, app)

const deployments: DeploymentRecord[] = Array.from({ length: DEPLOYMENTS }, (_, d) => {
  const app = APPS[d % APPS.length] ?? 'web'
  const version = `1.${d}.0`
  return {
    id: `dep-bench-${String(d).padStart(3, '0')}`, app, artifact: { name: app, version }, target: d % 2 === 0 ? 'all' : 'group:ring-b',
    strategy: 'canary', spec: { app, version, target: 'all', strategy: 'canary', phases: [{ percent: 5 }, { percent: 50 }, { percent: 100 }] },
    state: d < DEPLOYMENTS - DEPLOYMENTS_REPORTED ? 'succeeded' : 'running', phase: 2,
    createdMs: nowMs - (DEPLOYMENTS - d) * 3_600_000, createdBy: 'operator', updatedMs: nowMs, events: []
  }
})
for (const deployment of deployments) await store.deployments.put(deployment.id, deployment)
const reported = deployments.slice(-DEPLOYMENTS_REPORTED)

function device (i: number): DeviceRecord {
  const id = deviceId(i)
  const site = `site-${i % SITES}`
  return {
    id, name: `gateway ${i}`, platform: i % 3 === 0 ? 'linux/amd64' : 'linux/arm64', tier: 1 + (i % 3), agentVersion: '0.1.0',
    addresses: [`/ip4/10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/tcp/4001`],
    reportedLabels: { site, hw: i % 3 === 0 ? 'nuc' : 'rpi4', os: 'debian-12' },
    assignedLabels: { ring: i % 10 === 0 ? 'canary' : 'prod', owner: 'ops' },
    groups: [site, i % 2 === 0 ? 'ring-a' : 'ring-b'], source: 'presence',
    // Most devices online (seen a moment ago), every seventh one silent for an hour.
    firstSeenMs: nowMs - 86_400_000, lastSeenMs: i % 7 === 0 ? nowMs - 3_600_000 : nowMs, announceSeq: 3,
    apps: Object.fromEntries(reported.map(dep => [dep.app, { version: dep.artifact.version, health: i % 50 === 0 ? 'unhealthy' as const : 'healthy' as const, deploymentId: dep.id, step: 'running', atMs: nowMs - 60_000 }]))
  }
}

for (let start = 0; start < deviceCount; start += BATCH) {
  const ops: Array<ReturnType<typeof store.devices.putOp>> = []
  for (let i = start; i < Math.min(deviceCount, start + BATCH); i++) ops.push(store.devices.putOp(deviceId(i), device(i)))
  await store.devices.batch(ops)
}
// Reports one by one through the table that keeps the counts (callers serialize: this loop does).
for (const dep of reported) {
  for (let i = 0; i < deviceCount; i++) {
    const report: ReportRecord = {
      deploymentId: dep.id, deviceId: deviceId(i), planSeq: 7, step: i % 50 === 0 ? 'failed' : 'running', appVersion: dep.artifact.version,
      health: i % 50 === 0 ? 'unhealthy' : 'healthy', ...(i % 50 === 0 ? { errorCode: 'FLEET_ERR_HEALTH_TIMEOUT' } : {}),
      metrics: { cpu: 0.2, memMiB: 120 }, sentMs: nowMs - 60_000, seq: 1, receivedMs: nowMs - 59_000
    }
    await store.reports.record(report)
  }
}
const seedMs = performance.now() - seedStart

const registry = deviceRegistry()({ store, clock, logger: silentLogger })
// As `fleets server` serves it: with the observability routes and dashboard (bench:telemetry
// loads the dashboard from here), and one telemetry sample per device.
const obs = await observability()({ store, registry, clock, random: systemRandom(), logger: silentLogger })
for (let i = 0; i < deviceCount; i++) {
  await obs.telemetry.ingest({ deviceId: deviceId(i), atMs: nowMs - 5_000, seq: 1, metrics: { cpu_percent: (i * 7) % 100, memory_used_bytes: 2e8 + i, memory_total_bytes: 1e9, load1: 0.4 } })
}
const server = createApiServer({ store, registry, clock, logger: silentLogger, plugins: [obs.plugin] })
const { url, adminToken = '' } = await server.listen(0, '127.0.0.1')
const created = await fetch(`${url}/api/v1/tokens`, {
  method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench viewer', role: 'viewer' })
})
if (created.status !== 201) throw new Error(`creating the viewer token answered ${created.status}: ${await created.text()}`)
const { token: viewerToken } = await created.json() as { token: string }

const ready: BenchServerReady = {
  url, adminToken, viewerToken, deviceIds: Array.from({ length: deviceCount }, (_, i) => deviceId(i)), deploymentIds: deployments.map(d => d.id), seedMs
}
process.send?.(ready)
process.on('disconnect', () => {
  void (async () => {
    await server.close()
    await obs.stop()
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })()
})
