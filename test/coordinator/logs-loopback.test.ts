/**
 * App logs through the mesh, end to end on loopback (mDNS off): a real `fleets server` and a
 * real `fleet-node` (the built CLIs as child processes) joined with the server's token, an app
 * deployed through a real all-at-once deployment whose process prints a dated, numbered line
 * every 300 ms. Checked with the real `fleets logs` CLI:
 * - the tail (by device name and by id, text and --json), --since;
 * - --follow shows lines printed after it started, and Ctrl-C ends it (exit 0) and the stream
 *   on the device (its log server's active count returns to 0);
 * - unknown app, unknown device and an unreachable (registered, never online) device are
 *   clear errors with stable codes; a request without a token is refused;
 * - a follow ends with a clear error (exit 1) when the device goes away;
 * - a fleet member that is not the coordinator (it holds the network key, so it can connect)
 *   asking the node's /fleetd/logs/1.0.0 directly is refused, and the node logs the refusal;
 * - the node's own Prometheus exposition (--metrics-listen) passes `promtool check metrics`;
 * - the dashboard's device page tails the app's logs live in a real browser (Debian's headless
 *   Chromium driven by playwright-core; skipped when /usr/bin/chromium is missing). The
 *   screenshot goes to test-output/dashboard-logs/.
 */
import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeLogFrame, LOG_FRAME_BYTES_MAX } from '../../proto/index.js'
import { parseJoinToken } from '../../node/fleet/index.js'
import { LOGS_PROTOCOL, signLogRequest } from '../../node/log-stream/index.js'
import { silentLogger } from '../../node/logging/index.js'
import { meshNode } from '../../node/mesh/index.js'
import { systemClock, systemRandom } from '../../node/ports/index.js'
import { rpcGet } from '../../node/rpc/index.js'
import { FLEET_NODE_CLI, FLEETS_CLI, startFleetNode, tempDir } from '../support/fleet-node-proc.js'
import { TEST_OUTPUT_DIR } from '../support/netns-logs.js'
import type { MeshNode } from '../../node/mesh/index.js'
import type { RunningNode } from '../support/fleet-node-proc.js'
import type { ChildProcess } from 'node:child_process'

const TICKER = `#!/bin/sh
echo "ticker started"
i=0
while true; do
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) tick $i"
  i=$((i+1))
  sleep 0.3
done
`

interface Run { code: number | null, stdout: string, stderr: string }

async function run (args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<Run> {
  return await new Promise(resolve => {
    execFile(process.execPath, args, { env: { ...process.env, ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err == null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr })
    })
  })
}

async function promtool (text: string): Promise<Run> {
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

const CHROMIUM = '/usr/bin/chromium'

const ticks = (text: string): number[] => [...text.matchAll(/tick (\d+)/g)].map(m => Number(m[1]))

describe('fleets logs: an app\'s logs from a device through the mesh (loopback)', () => {
  let dir = ''
  let server: ChildProcess
  let serverOut = ''
  let apiUrl = ''
  let adminToken = ''
  let tokenText = ''
  let node: RunningNode
  let deviceId = ''
  let intruder: MeshNode | undefined
  const env = (): NodeJS.ProcessEnv => ({ FLEETD_SERVER: apiUrl, FLEETD_TOKEN: adminToken })
  const fleets = async (args: string[]): Promise<Run> => await run([FLEETS_CLI, ...args], env())
  const diagnostics = (): string => `server:\n${serverOut.split('\n').slice(-30).join('\n')}\nnode:\n${node?.logs().split('\n').slice(-30).join('\n') ?? ''}`

  async function until<T> (what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = await probe()
      if (value !== undefined) return value
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${diagnostics()}`)
      await new Promise(resolve => setTimeout(resolve, 500))
    }
  }

  async function api<T> (method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${apiUrl}/api/v1${path}`, { method, headers: { authorization: `Bearer ${adminToken}`, ...(body != null ? { 'content-type': 'application/json' } : {}) }, ...(body != null ? { body: JSON.stringify(body) } : {}) })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`)
    return JSON.parse(text) as T
  }

  beforeAll(async () => {
    dir = await tempDir('logs')
    const keysDir = join(dir, 'keys')
    expect((await run([FLEETS_CLI, 'keys', 'generate', 'release', '--keys-dir', keysDir])).code).toBe(0)
    const db = join(dir, 'fleet.db')
    const tokenFile = join(dir, 'fleet.token')
    server = spawn(process.execPath, [FLEETS_CLI, 'server', '--db', db, '--port', '0', '--keys-dir', keysDir, '--no-mdns', '--rpc-port', '0',
      '--listen', '/ip4/127.0.0.1/tcp/0', '--heartbeat-ms', '1000', '--join-token-out', tokenFile], { stdio: ['ignore', 'pipe', 'pipe'] })
    server.stdout?.on('data', (c: Buffer) => { serverOut += c.toString() })
    server.stderr?.on('data', (c: Buffer) => { serverOut += c.toString() })
    await until('the server to start', () => /join token written/.test(serverOut) ? true : undefined, 60_000)
    apiUrl = /coordinator API on (http:\/\/\S+)/.exec(serverOut)?.[1] ?? ''
    adminToken = /admin token \(shown once, keep it\): (\S+)/.exec(serverOut)?.[1] ?? ''
    tokenText = await readFile(tokenFile, 'utf8')

    const script = join(dir, 'ticker.sh')
    await writeFile(script, TICKER)
    const up = await run([FLEETS_CLI, 'artifact', 'upload', '--name', 'ticker', '--version', '1.0.0', '--type', 'script', '--file', script,
      '--platform', 'linux/amd64', '--keys-dir', keysDir, '--node-storage-dir', `${db}.node`])
    expect(up.code, up.stderr).toBe(0)

    node = startFleetNode({
      storageDir: join(dir, 'dev1'),
      args: ['--token-file', tokenFile, '--no-mdns', '--rpc-port', '0', '--listen', '/ip4/127.0.0.1/tcp/0', '--name', 'dev1',
        '--heartbeat-ms', '1000', '--telemetry-interval', '1s', '--metrics-listen', '127.0.0.1:0']
    })
    deviceId = (await node.waitFor('the node to start', s => s.peerId !== '', 60_000)).peerId
    await until('the device online', async () => (await api<{ devices: Array<{ id: string, status: string }> }>('GET', '/devices')).devices
      .some(d => d.id === deviceId && d.status === 'online') ? true : undefined, 60_000)
    const created = await fleets(['app', 'create', '--name', 'ticker', '--artifact', 'ticker:1.0.0', '--runtime', 'process'])
    expect(created.code, created.stderr).toBe(0)
    await api('POST', '/deployments', { app: 'ticker', version: '1.0.0', target: 'all', strategy: 'all-at-once' })
    await until('the app printing ticks', async () => ticks((await fleets(['logs', 'dev1', 'ticker', '--tail', '5'])).stdout).length >= 3 ? true : undefined, 120_000)
  }, 240_000)

  afterAll(async () => {
    await intruder?.stop()
    await node?.stop().catch(() => {})
    server?.kill('SIGTERM')
  }, 60_000)

  it('prints the tail, by device name or id, as text or JSON, and --since', async () => {
    const byName = await fleets(['logs', 'dev1', 'ticker', '--tail', '3'])
    expect(byName.code, byName.stderr).toBe(0)
    const lines = byName.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(3)
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z tick \d+$/)
    const numbers = ticks(byName.stdout)
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b))

    // The app has printed at least 3 ticks by now (beforeAll): ask for fewer lines than it has.
    const json = await fleets(['logs', deviceId, 'ticker', '--tail', '3', '--json'])
    expect(json.code, json.stderr).toBe(0)
    const events = json.stdout.trimEnd().split('\n').map(l => JSON.parse(l) as { lines?: string[] })
    const all = events.flatMap(e => e.lines ?? [])
    expect(all, json.stdout + json.stderr).toHaveLength(3)
    // The tail is the end of the file: it reaches the newest tick printed before the call.
    expect(Math.max(...ticks(all.join('\n')))).toBeGreaterThanOrEqual(Math.max(...numbers))

    // --since 2s: only the lines dated in the last two seconds (the app prints one each 300 ms).
    const since = await fleets(['logs', 'dev1', 'ticker', '--since', '2s'])
    expect(since.code, since.stderr).toBe(0)
    const recent = since.stdout.trimEnd().split('\n')
    expect(recent.length).toBeGreaterThanOrEqual(2)
    expect(recent.length).toBeLessThanOrEqual(12)
    const oldestMs = Date.parse(recent[0]?.split(' ')[0] ?? '')
    expect(Date.now() - oldestMs).toBeLessThan(6_000)
  }, 60_000)

  it('--follow prints lines written after it started; Ctrl-C ends it and the stream on the device', async () => {
    const child = spawn(process.execPath, [FLEETS_CLI, 'logs', 'dev1', 'ticker', '--follow', '--tail', '1'], { env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (c: Buffer) => { out += c.toString() })
    child.stderr.on('data', (c: Buffer) => { err += c.toString() })
    const exited = new Promise<number | null>(resolve => { child.once('exit', code => { resolve(code) }) })
    await until('the first (tail) line', () => ticks(out).length >= 1 ? true : undefined, 30_000)
    const first = ticks(out)[0] ?? 0
    // Printed by the app after the follow began: later ticks arrive on the open stream.
    await until('three lines printed after the start', () => ticks(out).filter(n => n > first).length >= 3 ? true : undefined, 30_000)
    const seen = ticks(out)
    expect(seen.slice(0, 4)).toEqual([first, first + 1, first + 2, first + 3])
    expect((await rpcGet<{ active: number }>(node.storageDir, '/v1/logs-server')).active).toBe(1)
    child.kill('SIGINT')
    expect(await exited, err).toBe(0)
    await until('the device to end the stream', async () => (await rpcGet<{ active: number }>(node.storageDir, '/v1/logs-server')).active === 0 ? true : undefined, 15_000)
  }, 90_000)

  it('says clearly what is wrong: unknown app, unknown device, unreachable device', async () => {
    const app = await fleets(['logs', 'dev1', 'nope'])
    expect(app.code).toBe(1)
    expect(app.stderr).toMatch(/has no app 'nope' \(its apps: ticker\).*\[FLEET_ERR_LOGS_UNKNOWN_APP\]/)

    const device = await fleets(['logs', 'no-such-device', 'ticker'])
    expect(device.code).toBe(1)
    expect(device.stderr).toMatch(/no device has the id or name 'no-such-device'.*\[FLEET_ERR_API_NOT_FOUND\]/)

    // Known to the coordinator (registered) but never on the mesh.
    const ghost = (await generateKeyPair('Ed25519')).publicKey.toString()
    await api('POST', '/devices', { id: ghost, name: 'ghost' })
    const gone = await fleets(['logs', 'ghost', 'ticker'])
    expect(gone.code).toBe(1)
    expect(gone.stderr).toMatch(/cannot be reached on the mesh.*\[FLEET_ERR_LOGS_UNREACHABLE\]/)

    const usage = await fleets(['logs', 'dev1'])
    expect(usage.code).toBe(2)
    expect(usage.stderr).toMatch(/name the device and the app/)
    expect((await fleets(['logs', 'dev1', 'ticker', '--tail', 'many'])).stderr).toMatch(/--tail must be a whole number from 0 to 10000, got 'many'/)
    const badListen = await run([FLEET_NODE_CLI, 'join', '--storage-dir', join(dir, 'unused'), '--metrics-listen', '9464'])
    expect(badListen.code).toBe(2)
    expect(badListen.stderr).toMatch(/--metrics-listen takes HOST:PORT like 127\.0\.0\.1:9464, got '9464'/)

    // The route takes the API's tokens like every read route: none is refused.
    const anonymous = await fetch(`${apiUrl}/api/v1/devices/${deviceId}/apps/ticker/logs`)
    expect(anonymous.status).toBe(401)
    expect(((await anonymous.json()) as { code: string }).code).toBe('FLEET_ERR_API_UNAUTHORIZED')
  }, 60_000)

  it('refuses a fleet member that is not the coordinator, and logs the refusal', async () => {
    // A real member: it holds the fleet's network key (from the token), so the node accepts its connection.
    const membership = parseJoinToken(tokenText)
    const privateKey = await generateKeyPair('Ed25519')
    intruder = meshNode({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, bootstrap: [], name: 'intruder' })({
      clock: systemClock(), random: systemRandom(), logger: silentLogger, privateKey, storageDir: await tempDir('intruder'), agentVersion: 'test',
      membership: { fleetId: membership.fleetId, networkKey: membership.networkKey }
    })
    await intruder.start()
    const status = await node.status()
    const address = status.addresses.find(a => a.includes('/tcp/')) ?? ''
    await intruder.libp2p.dial(multiaddr(address.includes('/p2p/') ? address : `${address}/p2p/${deviceId}`))
    const stream = await intruder.libp2p.dialProtocol(peerIdFromString(deviceId), LOGS_PROTOCOL)
    const lp = lpStream(stream, { maxDataLength: LOG_FRAME_BYTES_MAX })
    // Signed by its own key, naming itself: well-formed, but not the coordinator's key.
    const nowMs = Date.now()
    await lp.write(await signLogRequest({
      fleetId: membership.fleetId, deviceId, requester: intruder.peerId, app: 'ticker', tailLines: 10, follow: true, sinceMs: 0, issuedMs: nowMs, expiresMs: nowMs + 60_000
    }, privateKey))
    const frame = decodeLogFrame(await lp.read({ signal: AbortSignal.timeout(10_000) }))
    expect(frame.accepted).toBe(false)
    expect(frame.lines).toEqual([])
    expect(frame.errorCode).toBe('FLEET_ERR_LOGS_REFUSED')
    expect(frame.errorMessage).toMatch(/does not trust as its coordinator/)
    await until('the refusal in the node\'s log', () => node.logs().includes(`refused a logs request from peer ${intruder?.peerId ?? '?'}`) ? true : undefined, 10_000)
    expect((await rpcGet<{ refused: number }>(node.storageDir, '/v1/logs-server')).refused).toBeGreaterThanOrEqual(1)
  }, 60_000)

  it('serves the node\'s Prometheus metrics (--metrics-listen), which promtool accepts', async () => {
    const url = /Prometheus metrics on (http:\/\/\S+)/.exec(node.logs())?.[1]
    expect(url, node.logs()).toBeDefined()
    const res = await fetch(url ?? '')
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await res.text()
    expect(text).toMatch(/^fleetd_node_app_up\{app="ticker",version="1\.0\.0"\} 1$/m)
    expect(text).toMatch(/^fleetd_node_mesh_connections [1-9]/m)
    expect(text).toMatch(/^fleetd_node_outbox_pending\{outbox="telemetry"\} \d+$/m)
    expect(text).toMatch(/^fleetd_node_process_resident_memory_bytes \d+$/m)
    const check = await promtool(text)
    expect(check.code, check.stdout + check.stderr).toBe(0)
    // promtool is a real checker: the same text broken fails it.
    expect((await promtool(text.replace('# TYPE fleetd_node_app_up gauge', '# TYPE fleetd_node_app_up counter'))).code).not.toBe(0)
    expect((await fetch((url ?? '').replace('/metrics', '/other'))).status).toBe(404)
  }, 30_000)

  it.skipIf(!existsSync(CHROMIUM))('tails the app\'s logs live on the dashboard\'s device page (Chromium)', async () => {
    const shots = resolve(TEST_OUTPUT_DIR, 'dashboard-logs')
    await mkdir(shots, { recursive: true })
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--disable-dev-shm-usage'] })
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } })
      await page.goto(`${apiUrl}/ui/`)
      await page.fill('#token', adminToken)
      await page.click('#login button[type=submit]')
      await page.waitForSelector('#nav:not([hidden])')
      await page.goto(`${apiUrl}/ui/#/devices/${encodeURIComponent(deviceId)}`)
      await page.locator('#logs div', { hasText: /tick \d+/ }).first().waitFor({ timeout: 30_000 })
      expect(await page.inputValue('#logs-app')).toBe('ticker')
      const before = Math.max(...ticks((await page.locator('#logs').textContent()) ?? ''))
      // Live: lines the app prints now arrive on the page without a reload.
      await expect.poll(async () => Math.max(...ticks((await page.locator('#logs').textContent()) ?? '')), { timeout: 20_000, interval: 300 }).toBeGreaterThan(before + 2)
      expect(await page.textContent('#logs-status')).toBe('following ticker, live')
      await page.locator('#logs').scrollIntoViewIfNeeded()
      await page.screenshot({ path: join(shots, 'device-logs.png'), fullPage: true })
      // Leaving the page ends the stream on the device too.
      await page.goto(`${apiUrl}/ui/#/devices`)
      await until('the device to end the dashboard\'s stream', async () => (await rpcGet<{ active: number }>(node.storageDir, '/v1/logs-server')).active === 0 ? true : undefined, 15_000)
    } finally {
      await browser.close()
    }
  }, 90_000)

  // Last: it stops the node.
  it('ends a follow with a clear error when the device goes away', async () => {
    const child = spawn(process.execPath, [FLEETS_CLI, 'logs', 'dev1', 'ticker', '--follow', '--tail', '1'], { env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (c: Buffer) => { out += c.toString() })
    child.stderr.on('data', (c: Buffer) => { err += c.toString() })
    const exited = new Promise<number | null>(resolve => { child.once('exit', code => { resolve(code) }) })
    await until('the first line', () => ticks(out).length >= 1 ? true : undefined, 30_000)
    await node.stop()
    expect(await exited).toBe(1)
    expect(err).toMatch(/the log stream from device \S+ broke .*run the command again.*\[FLEET_ERR_LOGS_UNREACHABLE\]/)
  }, 60_000)
})
