/**
 * Rollouts end to end on eleven namespace hosts: `fleets server` on h0, the real `fleet-node`
 * on h1…h10 joined with the token the server wrote (bootstrap: the coordinator; mDNS off, so
 * only the token's address connects them). Every call to the API and every app probe runs
 * inside the namespaces. Checked, in order:
 * - the API refuses calls without a token or with a wrong one (401);
 * - 1.0.0 all-at-once reaches every device and succeeds;
 * - 2.0.0 canary (20% → 60% → 100%) succeeds while h10 is cut off; h10 rejoins and converges;
 * - 3.0.0, whose /health answers 500, triggers the automatic rollback: the deployment ends
 *   rolled-back and every device serves 2.0.0 again.
 * The time from the first failing report to the rollback's completion is printed.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHostNetwork, netnsSupport, waitForLine } from '../support/netns-hosts.js'
import { defaultTeePath, TEST_OUTPUT_DIR } from '../support/netns-logs.js'
import { FLEETS_CLI, startFleetNode, tempDir } from '../support/fleet-node-proc.js'
import { writeFixture } from '../fixtures/http-app.js'
import type { Host, HostNetwork } from '../support/netns-hosts.js'
import type { RunningNode } from '../support/fleet-node-proc.js'
import type { ChildProcess } from 'node:child_process'

const DEVICES = 10
const APP_PORT = 8080
const API_PORT = 8080
const support = await netnsSupport()
if (!support.ok) console.warn(`multi-host rollout tests skipped: ${support.reason}`)

interface Deployment { id: string, state: string, phase: number, engineState?: { history: Array<{ atMs: number, to: string, reason?: { code: string, message: string } }> } }
interface Counts { devices: number, byVersion: Record<string, number>, byHealth: Record<string, number> }
interface ReportRecord { deviceId: string, health: string, errorCode?: string, receivedMs: number, appVersion: string }

/** A fetch inside h0's namespace (the API listens there); prints `status body`. */
const FETCH = `const [url, method, token, body] = process.argv.slice(1)
fetch(url, { method, headers: { ...(token ? { authorization: 'Bearer ' + token } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body } : {}) })
  .then(async r => { process.stdout.write(r.status + ' ' + await r.text()) }, e => { process.stdout.write('0 ' + e.message) })`

/** GET http://127.0.0.1:PORT/ inside a host: what its app answers ('' when nothing does). */
const APP_GET = `fetch('http://127.0.0.1:${APP_PORT}/').then(async r => process.stdout.write(await r.text()), () => {})`

describe.skipIf(!support.ok)(`rollouts on ${DEVICES} namespace hosts${support.ok ? '' : ` (skipped: ${support.reason})`}`, () => {
  let network: HostNetwork
  let dir = ''
  let server: ChildProcess
  let adminToken = ''
  const nodes: RunningNode[] = []
  const host = (i: number): Host => network.hosts[i] ?? (() => { throw new Error(`no host ${i}`) })()
  const apiUrl = (): string => `http://${host(0).address}:${API_PORT}/api/v1`

  async function api<T> (method: string, path: string, body?: unknown, token: string | null = adminToken): Promise<{ status: number, body: T }> {
    const r = await host(0).exec(process.execPath, ['-e', FETCH, `${apiUrl()}${path}`, method, token ?? '', body == null ? '' : JSON.stringify(body)], { timeoutMs: 30_000 })
    const space = r.stdout.indexOf(' ')
    const text = r.stdout.slice(space + 1)
    return { status: Number(r.stdout.slice(0, space)), body: (text.startsWith('{') ? JSON.parse(text) : text) as T }
  }

  async function ok<T> (method: string, path: string, body?: unknown): Promise<T> {
    const r = await api<T>(method, path, body)
    if (r.status >= 300) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`)
    return r.body
  }

  /** The coordinator's decisions, warnings and errors over the whole run (from its tee file), then the last lines of everyone. */
  const decisions = (): string => {
    try {
      const text = readFileSync(resolve(TEST_OUTPUT_DIR, defaultTeePath(host(0).ns, server.pid)), 'utf8')
      return text.split('\n').filter(l => /engine|coordinator:registry|ERROR|WARN  fleet:(coordinator|plans|reports)/.test(l)).slice(-80).join('\n')
    } catch (err) {
      return `(no coordinator log: ${(err as Error).message})`
    }
  }
  const logs = (): string => [`coordinator decisions:\n${decisions()}`, `coordinator:\n${host(0).logs(server.pid).slice(-40).join('\n')}`,
    ...nodes.map((n, i) => `h${i + 1}:\n${n.logs().split('\n').slice(-15).join('\n')}`)].join('\n')

  async function until<T> (what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs
    let last: unknown
    for (;;) {
      try {
        const value = await probe()
        if (value !== undefined) return value
      } catch (err) {
        if ((err as { fatal?: boolean }).fatal === true) throw new Error(`${(err as Error).message}\n${logs()}`)
        last = err
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last != null ? ` (last error: ${(last as Error).message})` : ''}\n${logs()}`)
      await new Promise(resolve => setTimeout(resolve, 1_000))
    }
  }

  /** Devices (by name h1…h10) whose registry entry says the app runs `version` and is healthy (from their reports). */
  async function runningVersion (version: string): Promise<string[]> {
    const { devices } = await ok<{ devices: Array<{ name: string, apps: Record<string, { version: string, health: string }> }> }>('GET', '/devices')
    return devices.filter(d => d.apps['http-app']?.version === version && d.apps['http-app'].health === 'healthy').map(d => d.name).sort()
  }

  /** Waits until the registry shows `names` healthy on `version`, then asks each app itself (one host at a time, to spare a loaded machine). */
  async function converged (version: string, names: string[], timeoutMs: number): Promise<void> {
    const want = [...names].sort()
    await until(`${want.join(',')} healthy on ${version} in the registry`, async () => {
      const have = await runningVersion(version)
      return want.every(n => have.includes(n)) ? true : undefined
    }, timeoutMs)
    for (const name of want) {
      const i = Number(name.slice(1))
      await until(`${name}'s app to answer version ${version}`, async () => (await served([i]))[0] === `version ${version}` ? true : undefined, 60_000)
    }
  }

  const hostNames = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, k) => `h${from + k}`)

  /** What each device's app answers, by host index 1…DEVICES. */
  async function served (indices = Array.from({ length: DEVICES }, (_, i) => i + 1)): Promise<string[]> {
    return await Promise.all(indices.map(async i => (await host(i).exec(process.execPath, ['-e', APP_GET], { timeoutMs: 30_000 })).stdout.trim()))
  }

  /** `fleets ARGS` inside h0 against the API; returns stdout, throws with stderr on failure. */
  async function fleets (args: string[]): Promise<string> {
    // A CLI start takes seconds on a loaded two-core machine: allow for it (the API call itself is fast).
    const r = await host(0).exec(process.execPath, [FLEETS_CLI, ...args, '--server', `http://${host(0).address}:${API_PORT}`, '--token', adminToken], { timeoutMs: 120_000 })
    if (r.code !== 0) throw new Error(`fleets ${args.join(' ')} failed (${r.code}): ${r.stderr}`)
    return r.stdout
  }

  /** Creates a deployment (an API body, or `fleets deploy create` flags) and waits for it to end `end`. */
  async function deployAndWait (body: Record<string, unknown> | string[], end: string, timeoutMs: number, onPoll?: (id: string) => Promise<void>): Promise<Deployment> {
    const created = Array.isArray(body)
      ? JSON.parse(await fleets(['deploy', 'create', ...body, '--json'])) as Deployment
      : await ok<Deployment>('POST', '/deployments', body)
    try {
      return await until(`deployment ${created.id} to end ${end}`, async () => {
        await onPoll?.(created.id)
        const { deployment } = await ok<{ deployment: Deployment }>('GET', `/deployments/${created.id}`)
        if (['succeeded', 'rolled-back', 'failed'].includes(deployment.state)) {
          if (deployment.state !== end) throw Object.assign(new Error(`deployment ended ${deployment.state}, expected ${end}`), { fatal: true })
          return deployment
        }
        return undefined
      }, timeoutMs)
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${await deploymentState(created.id)}`)
    }
  }

  /** What the engine and the registry knew of a deployment (for a failure's message): its state without history, counts, each device's latest report. */
  async function deploymentState (id: string): Promise<string> {
    try {
      const { deployment, counts } = await ok<{ deployment: Deployment, counts: Counts }>('GET', `/deployments/${id}`)
      const { reports } = await ok<{ reports: ReportRecord[] }>('GET', `/deployments/${id}/reports`)
      const engine = { ...deployment.engineState, history: undefined }
      return `deployment ${id} at the end: state ${deployment.state}, phase ${deployment.phase}; engine ${JSON.stringify(engine)}; counts ${JSON.stringify(counts)}\n` +
        reports.map(r => `  report ${r.deviceId.slice(-8)}: ${r.appVersion} ${r.health}${r.errorCode != null && r.errorCode !== '' ? ` ${r.errorCode}` : ''} received ${new Date(r.receivedMs).toISOString()}`).join('\n')
    } catch (err) {
      return `(deployment ${id}: ${(err as Error).message})`
    }
  }

  beforeAll(async () => {
    dir = await tempDir('rollout')
    network = await createHostNetwork({ count: DEVICES + 1, prefix: 'roll' })
    const keysDir = join(dir, 'keys')
    const gen = await host(0).exec(process.execPath, [FLEETS_CLI, 'keys', 'generate', 'release', '--keys-dir', keysDir])
    expect(gen.code).toBe(0)
    const db = join(dir, 'fleet.db')
    const tokenFile = join(dir, 'fleet.token')
    server = host(0).spawn(process.execPath, [FLEETS_CLI, 'server', '--db', db, '--port', String(API_PORT), '--host', '0.0.0.0', '--keys-dir', keysDir,
      '--no-mdns', '--rpc-port', '0', '--heartbeat-ms', '2000', '--join-token-out', tokenFile], { tee: true })
    let printed = ''
    server.stdout?.on('data', (chunk: Buffer) => { printed += chunk.toString('utf8') })
    await waitForLine(server, /join token written/, 60_000)
    adminToken = /^admin token \(shown once, keep it\): (\S+)$/m.exec(printed)?.[1] ?? ''
    expect(adminToken).toMatch(/^fleetd_/)

    for (const [version, healthStatus] of [['1.0.0', 200], ['2.0.0', 200], ['3.0.0', 500]] as const) {
      const { file } = await writeFixture(dir, { version, healthStatus })
      const up = await host(0).exec(process.execPath, [FLEETS_CLI, 'artifact', 'upload', '--name', 'http-app', '--version', version, '--type', 'script',
        '--file', file, '--platform', 'linux/amd64', '--keys-dir', keysDir, '--node-storage-dir', `${db}.node`], { timeoutMs: 60_000 })
      if (up.code !== 0) throw new Error(`upload of ${version} failed: ${up.stderr}`)
    }
    for (let i = 1; i <= DEVICES; i++) {
      nodes.push(startFleetNode({
        host: host(i), storageDir: join(dir, `h${i}`),
        args: ['--token-file', tokenFile, '--no-mdns', '--rpc-port', '0', '--name', `h${i}`, '--label', 'group=e2e', '--heartbeat-ms', '2000']
      }))
    }
    await until(`${DEVICES} devices online in the registry`, async () => {
      const { devices } = await ok<{ devices: Array<{ status: string }> }>('GET', '/devices')
      return devices.filter(d => d.status === 'online').length === DEVICES ? true : undefined
    }, 90_000)
    await fleets(['app', 'create', '--name', 'http-app', '--artifact', 'http-app:1.0.0', '--runtime', 'process', '--health-check', `http://localhost:${APP_PORT}/health`, '--env', `PORT=${APP_PORT}`])
  }, 240_000)

  afterAll(async () => {
    for (const node of nodes) {
      await node.stop().catch(() => {})
    }
    server?.kill('SIGTERM')
    await network?.destroy()
  }, 120_000)

  /** The version the app's last succeeded deployment installed: what an automatic rollback returns to. */
  let lastSucceeded = ''

  it('refuses API calls without a valid token', async () => {
    expect((await api('GET', '/devices', undefined, null)).status).toBe(401)
    expect((await api('GET', '/devices', undefined, 'fleetd_nope_nope')).status).toBe(401)
    expect((await api('POST', '/deployments', { app: 'http-app', target: 'all', strategy: 'all-at-once' }, null)).status).toBe(401)
  })

  it('deploys 1.0.0 to every device at once', async () => {
    const dep = await deployAndWait({ app: 'http-app', version: '1.0.0', target: 'group:e2e', strategy: 'all-at-once', allAtOnce: { durationMs: 3_000 }, minSamples: 1 }, 'succeeded', 180_000)
    expect(dep.state).toBe('succeeded')
    await converged('1.0.0', hostNames(1, DEVICES), 120_000)
    lastSucceeded = '1.0.0'
  }, 300_000)

  it('takes 2.0.0 through canary phases while h10 is cut off; h10 converges after it rejoins', async () => {
    await host(DEVICES).linkDown()
    try {
      const dep = await deployAndWait(['--app', 'http-app', '--version', '2.0.0', '--target', 'group:e2e', '--strategy', 'canary',
        '--initial', '20%', '--increment', '40%', '--interval', '3s', '--min-samples', '1', '--success', '80%', '--rollback-on-error', '20%'], 'succeeded', 240_000)
      const history = dep.engineState?.history.map(t => t.to) ?? []
      expect(history).toContain('succeeded')
      // Succeeded means successPercent (80%) of the targeted devices are healthy on 2.0.0; the rest converge.
      await converged('2.0.0', hostNames(1, DEVICES - 1), 180_000)
    } finally {
      // Healed whatever happened, so a failure here does not leave the next case a host short.
      await host(DEVICES).linkUp()
    }
    await converged('2.0.0', [`h${DEVICES}`], 180_000)
    lastSucceeded = '2.0.0'
  }, 600_000)

  it('rolls 3.0.0 back automatically when its health check fails', async () => {
    const started = Date.now()
    // The store keeps each device's latest report, which the rollback overwrites: watch for the first failing one.
    let firstFailing = Number.POSITIVE_INFINITY
    const watch = async (id: string): Promise<void> => {
      if (Number.isFinite(firstFailing)) return
      const { reports } = await ok<{ reports: ReportRecord[] }>('GET', `/deployments/${id}/reports`)
      const failing = reports.filter(r => r.health === 'unhealthy' || (r.errorCode ?? '') !== '')
      if (failing.length > 0) firstFailing = Math.min(...failing.map(r => r.receivedMs))
    }
    const dep = await deployAndWait({
      app: 'http-app', version: '3.0.0', target: 'group:e2e', strategy: 'canary',
      canary: { initialPercent: 30, incrementPercent: 35, intervalMs: 5_000 }, minSamples: 2,
      triggers: [{ metric: 'error_rate', threshold: 0.1, minSamples: 1, action: 'immediate' }]
    }, 'rolled-back', 300_000, watch)
    const history = dep.engineState?.history ?? []
    const rollbackStart = history.find(t => t.to === 'rolling-back')
    const rolledBackMs = history.find(t => t.to === 'rolled-back')?.atMs ?? NaN
    expect(rollbackStart?.reason?.code).toBe('trigger')
    expect(rollbackStart?.reason?.message).toMatch(/^error_rate /)
    // A failing report is overwritten by the device's next one within about a second; when the
    // poll missed it, the trigger's own time (a decision runs within the 250 ms report debounce) stands in.
    const failingSeenMs = Number.isFinite(firstFailing) ? firstFailing : (rollbackStart?.atMs ?? NaN)
    console.log(`rollback of 3.0.0: trigger '${rollbackStart?.reason?.message ?? '?'}'; first failing report ${failingSeenMs - started} ms after create${Number.isFinite(firstFailing) ? '' : ' (trigger time)'}; ` +
      `rollback started ${(rollbackStart?.atMs ?? NaN) - failingSeenMs} ms and completed ${rolledBackMs - failingSeenMs} ms after it`)
    expect(rolledBackMs).toBeGreaterThanOrEqual(failingSeenMs)
    // The rollback returns to the last version that succeeded (2.0.0 after the partition case).
    await converged(lastSucceeded, hostNames(1, DEVICES), 180_000)
    const { counts } = await ok<{ counts: Counts }>('GET', `/deployments/${dep.id}`)
    expect(counts.byVersion['3.0.0'] ?? 0).toBe(0)
  }, 600_000)
})
