/**
 * The fleet `npm run bench:plans` measures: `fleets server` on namespace host h0 and the real
 * `fleet-node join` on h1…hN, joined with the token the server wrote (mDNS off: the token's
 * bootstrap address is the only way in), the http-app fixture uploaded in the given versions
 * and an app created for it. Every API call runs inside h0.
 *
 * Each process's stdout and stderr are read line by line as they come (the host's log ring
 * keeps only the last lines) and teed to test-output/bench-plans/ for post-mortems; only the
 * lines the bench needs are kept: a device's `plan <dep>#<seq> accepted from <peer> (<source>)`
 * and the coordinator's `deployment <dep>: plan #<seq> published (…, <n> gossip peers)`.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createHostNetwork, waitForLine } from '../support/netns-hosts.js'
import { FLEET_NODE_CLI, FLEETS_CLI, tempDir } from '../support/fleet-node-proc.js'
import { writeFixture } from '../fixtures/http-app.js'
import type { PlansView } from '../../node/cli/commands/join-plans.js'
import type { MeshStatus } from '../../node/mesh/index.js'
import type { Host, HostNetwork } from '../support/netns-hosts.js'
import type { ChildProcess } from 'node:child_process'

export const APP_PORT = 8080
const API_PORT = 8080
const HEARTBEAT_MS = 2_000
const START_TIMEOUT_MS = 60_000
const ONLINE_TIMEOUT_MS = 180_000
const POLL_MS = 500

/** `fleet-node` logs each accepted plan once (duplicates are not logged); the ISO time leads the line. */
const ACCEPTED = /plan (\S+)#(\d+) accepted from (\S+) \((gossip|sync|local)\)/
const PUBLISHED = /deployment (\S+): plan #(\d+) published \(.*, (\d+) gossip peers\)/
/** The mesh logs every connection change with the peer count after it. */
const PEERS = / (connected to|disconnected from) \S+ \((\d+) peers\)/
/**
 * The dialer takes a failed membership handshake for a refusal and waits 5 minutes before the
 * next try; under heavy load a handshake can simply time out (5 s), and the device is then
 * cut off for the rest of the bench. Spotted so a timeout can say so.
 */
const WRITTEN_OFF = /not a member of this fleet, next try in/
/** Devices started at once: 20 node starts and handshakes together on 2 busy cores time out. */
const START_BATCH = 5
const BATCH_CONNECT_TIMEOUT_MS = 60_000

export interface AcceptEvent { deploymentId: string, seq: number, atMs: number, source: string, from: string }
export interface PublishEvent { atMs: number, gossipPeers: number }
/** A device's mesh as its log tells it: peers now, connections lost so far, and whether it wrote the coordinator off. */
export interface DeviceMesh { peers: number, disconnects: number, refusedCoordinator: boolean }

export interface BenchFleet {
  readonly devices: number
  readonly network: HostNetwork
  readonly coordinatorPeer: string
  /** Accepted plans by device (index 0 is h1), in log order. */
  readonly accepted: AcceptEvent[][]
  /** Plans the coordinator published, by `dep#seq`. */
  readonly published: Map<string, PublishEvent>
  /** By device (index 0 is h1). */
  readonly mesh: DeviceMesh[]
  host: (i: number) => Host
  api: <T>(method: string, path: string, body?: unknown) => Promise<T>
  /** `fleet-node plans --json` of device `d` (0 is h1). */
  plansOf: (d: number) => Promise<PlansView>
  /** Devices the coordinator has a connection to (`fleet-node status` against its storage dir). */
  coordinatorConnections: () => Promise<number>
  until: <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number) => Promise<T>
  destroy: () => Promise<void>
}

export interface BenchFleetInit {
  devices: number
  versions: string[]
  /** Namespace label and tee file prefix. */
  label: string
  /** Called as soon as the network exists, so a Ctrl-C handler can destroy it. */
  onNetwork: (network: HostNetwork) => void
}

/** A fetch inside h0's namespace (the API listens there); prints `status body`. */
const FETCH = `const [url, method, token, body] = process.argv.slice(1)
fetch(url, { method, headers: { authorization: 'Bearer ' + token, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body } : {}) })
  .then(async r => { process.stdout.write(r.status + ' ' + await r.text()) }, e => { process.stdout.write('0 ' + e.message) })`

/** Calls `onLine(line)` for every complete line the child prints on stdout or stderr. */
function watchLines (child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let partial = ''
    stream?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n')
      partial = lines.pop() ?? ''
      lines.forEach(onLine)
    })
  }
}

const lineTimeMs = (line: string): number => Date.parse(line.slice(0, 24))

async function until<T> (what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (err) { last = err }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last != null ? ` (last error: ${(last as Error).message})` : ''}; logs in test-output/bench-plans/`)
    await sleep(POLL_MS)
  }
}

/** `fleet-node join` on `host`; its accepted plans and mesh changes are read from its output as they come. */
function startDevice (host: Host, storageDir: string, tokenFile: string, tee: string): { events: AcceptEvent[], mesh: DeviceMesh } {
  const events: AcceptEvent[] = []
  const mesh: DeviceMesh = { peers: 0, disconnects: 0, refusedCoordinator: false }
  const child = host.spawn(process.execPath, [FLEET_NODE_CLI, 'join', '--storage-dir', storageDir, '--token-file', tokenFile, '--no-mdns',
    '--rpc-port', '0', '--name', host.name, '--heartbeat-ms', String(HEARTBEAT_MS)], { tee })
  watchLines(child, line => {
    const m = ACCEPTED.exec(line)
    if (m != null) events.push({ deploymentId: m[1] ?? '', seq: Number(m[2]), atMs: lineTimeMs(line), source: m[4] ?? '', from: m[3] ?? '' })
    if (WRITTEN_OFF.test(line)) mesh.refusedCoordinator = true
    const p = PEERS.exec(line)
    if (p != null) {
      mesh.peers = Number(p[2])
      if (p[1] === 'disconnected from') mesh.disconnects++
    }
  })
  return { events, mesh }
}

export async function startBenchFleet (init: BenchFleetInit): Promise<BenchFleet> {
  const dir = await tempDir(`bench-plans-${init.label}`)
  const network = await createHostNetwork({ count: init.devices + 1, prefix: init.label })
  init.onNetwork(network)
  try {
    return await populate(network, dir, init)
  } catch (err) {
    await network.destroy()
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}

async function populate (network: HostNetwork, dir: string, init: BenchFleetInit): Promise<BenchFleet> {
  const host = (i: number): Host => network.hosts[i] ?? (() => { throw new Error(`no host ${i}`) })()
  const h0 = host(0)
  const keysDir = join(dir, 'keys')
  const db = join(dir, 'fleet.db')
  const tokenFile = join(dir, 'fleet.token')
  const gen = await h0.exec(process.execPath, [FLEETS_CLI, 'keys', 'generate', 'release', '--keys-dir', keysDir], { timeoutMs: 30_000 })
  if (gen.code !== 0) throw new Error(`fleets keys generate failed: ${gen.stderr}`)

  const published = new Map<string, PublishEvent>()
  let printed = ''
  const server = h0.spawn(process.execPath, [FLEETS_CLI, 'server', '--db', db, '--port', String(API_PORT), '--host', '0.0.0.0', '--keys-dir', keysDir,
    '--no-mdns', '--rpc-port', '0', '--heartbeat-ms', String(HEARTBEAT_MS), '--join-token-out', tokenFile], { tee: `bench-plans/${init.label}-coordinator.log` })
  watchLines(server, line => {
    printed += line.length < 400 && !/^\d{4}-/.test(line) ? line + '\n' : ''
    const m = PUBLISHED.exec(line)
    if (m != null) published.set(`${m[1]}#${m[2]}`, { atMs: lineTimeMs(line), gossipPeers: Number(m[3]) })
  })
  await waitForLine(server, /join token written/, START_TIMEOUT_MS)
  const adminToken = /^admin token \(shown once, keep it\): (\S+)$/m.exec(printed)?.[1] ?? ''
  const coordinatorPeer = /^mesh peer (\S+)$/m.exec(printed)?.[1] ?? ''
  if (adminToken === '' || coordinatorPeer === '') throw new Error(`fleets server did not print its admin token and peer id:\n${printed}`)

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await h0.exec(process.execPath, ['-e', FETCH, `http://${h0.address}:${API_PORT}/api/v1${path}`, method, adminToken, body == null ? '' : JSON.stringify(body)], { timeoutMs: 30_000 })
    const space = r.stdout.indexOf(' ')
    const status = Number(r.stdout.slice(0, space))
    if (!(status >= 200 && status < 300)) throw new Error(`${method} ${path} answered ${r.stdout.slice(0, 500)} ${r.stderr.slice(0, 500)}`)
    return JSON.parse(r.stdout.slice(space + 1)) as T
  }

  for (const version of init.versions) {
    const { file } = await writeFixture(dir, { version })
    const up = await h0.exec(process.execPath, [FLEETS_CLI, 'artifact', 'upload', '--name', 'http-app', '--version', version, '--type', 'script',
      '--file', file, '--platform', 'linux/amd64', '--keys-dir', keysDir, '--node-storage-dir', `${db}.node`], { timeoutMs: 60_000 })
    if (up.code !== 0) throw new Error(`upload of ${version} failed: ${up.stderr}`)
  }

  const accepted: AcceptEvent[][] = []
  const mesh: DeviceMesh[] = []
  const storageDir = (d: number): string => join(dir, `h${d + 1}`)
  for (let d = 0; d < init.devices; d++) {
    const device = startDevice(host(d + 1), storageDir(d), tokenFile, `bench-plans/${init.label}-h${d + 1}.log`)
    accepted.push(device.events)
    mesh.push(device.mesh)
    if ((d + 1) % START_BATCH === 0 || d + 1 === init.devices) {
      const batch = mesh.slice(d + 1 - ((d % START_BATCH) + 1))
      await until(`h${d + 2 - batch.length}…h${d + 1} to connect`, () => batch.every(m => m.peers > 0) ? true : undefined, BATCH_CONNECT_TIMEOUT_MS).catch(() => {})
    }
  }

  let online = 0
  await until(`${init.devices} devices online in the registry`, async () => {
    const { devices } = await api<{ devices: Array<{ status: string }> }>('GET', '/devices')
    online = devices.filter(d => d.status === 'online').length
    return online === init.devices ? true : undefined
  }, ONLINE_TIMEOUT_MS).catch((err: unknown) => {
    const off = mesh.flatMap((m, d) => m.peers === 0 ? [`h${d + 1}${m.refusedCoordinator ? ' (wrote the coordinator off as "not a member" after a handshake timeout: next try in 300 s)' : ''}`] : [])
    throw new Error(`${(err as Error).message}; ${online} online; without a connection: ${off.join(', ') || 'none'}`)
  })
  await api('POST', '/apps', { name: 'http-app', artifact: `http-app:${init.versions[0] ?? ''}`, runtime: 'process',
    healthCheck: `http://localhost:${APP_PORT}/health`, env: { PORT: String(APP_PORT) } })

  return {
    devices: init.devices, network, coordinatorPeer, accepted, published, mesh, host, api, until,
    plansOf: async (d) => {
      const r = await host(d + 1).exec(process.execPath, [FLEET_NODE_CLI, 'plans', '--json', '--storage-dir', storageDir(d)], { timeoutMs: 20_000 })
      if (r.code !== 0) throw new Error(`fleet-node plans on h${d + 1} failed (${r.code}): ${r.stderr.trim()}`)
      return JSON.parse(r.stdout) as PlansView
    },
    coordinatorConnections: async () => {
      const r = await h0.exec(process.execPath, [FLEET_NODE_CLI, 'status', '--json', '--storage-dir', `${db}.node`], { timeoutMs: 20_000 })
      if (r.code !== 0) throw new Error(`fleet-node status of the coordinator failed (${r.code}): ${r.stderr.trim()}`)
      return new Set((JSON.parse(r.stdout) as MeshStatus).connections.map(c => c.peerId)).size
    },
    destroy: async () => {
      await network.destroy()
      await rm(dir, { recursive: true, force: true })
    }
  }
}
