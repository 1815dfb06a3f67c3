/**
 * `npm run bench:content`: one artifact from one seed to every other namespace host, each
 * host's egress shaped with `tc tbf`, side by side in one run:
 *   (a) peer to peer through the fleet mesh (swarm + bitswap fallback),
 *   (b) plain HTTP from the seed host, as Mender or hawkBit devices would download,
 * against the fluid-model lower bound max(S/u_seed, N·S/(u_seed + Σu_peers)).
 * Then the bytes a 10%-changed new version moves to a host that holds the old one.
 * Runs as root (network namespaces); sends nothing off this machine.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createHostNetwork, netnsSupport } from '../support/netns-hosts.js'
import { FLEET_NODE_CLI, FLEETS_CLI, startFleetNode, tempDir } from '../support/fleet-node-proc.js'
import type { Host } from '../support/netns-hosts.js'
import type { RunningNode } from '../support/fleet-node-proc.js'

const HOSTS = Number(process.env.BENCH_HOSTS ?? 16)
const SIZE_MB = Number(process.env.BENCH_MB ?? 20)
const MBIT = Number(process.env.BENCH_MBIT ?? 10)
const HTTP_PORT = 8099
const MESH_WAIT_MS = 120_000
const IDLE_SAMPLE_MS = 10_000
/** Ends the run after the idle-mesh figure (BENCH_IDLE_ONLY=1). */
class IdleOnly extends Error {}
const TRANSFER_TIMEOUT_MS = 900_000

const HTTP_SERVER = `const http = require('node:http'), fs = require('node:fs');
http.createServer((req, res) => { res.writeHead(200, { 'content-length': fs.statSync(process.argv[1]).size }); fs.createReadStream(process.argv[1]).pipe(res) }).listen(${HTTP_PORT}, '0.0.0.0')`
const HTTP_CLIENT = `fetch(process.argv[1]).then(async r => { let n = 0; for await (const c of r.body) n += c.length; console.log(n) })`

async function run (host: Host, args: string[], timeoutMs = TRANSFER_TIMEOUT_MS): Promise<{ ms: number, stdout: string }> {
  const start = Date.now()
  const r = await host.exec(process.execPath, args, { timeoutMs })
  if (r.code !== 0) throw new Error(`${args.slice(1, 3).join(' ')} on ${host.name} failed (${String(r.code)}): ${r.stderr.slice(-500)}`)
  return { ms: Date.now() - start, stdout: r.stdout }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

/** CPU seconds (user + system) a process has used so far, from /proc (pids are shared across network namespaces). */
async function cpuSeconds (pid: number | undefined): Promise<number> {
  if (pid == null) return 0
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  // Fields after the parenthesised command: state is field 3; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / CLOCK_TICKS_PER_S
}
const CLOCK_TICKS_PER_S = 100

/** Busy and total jiffies of the whole machine, to tell whether a phase was CPU-bound. */
async function machineCpu (): Promise<{ busy: number, total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? ''
  const v = line.trim().split(/\s+/).slice(1).map(Number)
  const total = v.reduce((a, b) => a + b, 0)
  const idle = (v[3] ?? 0) + (v[4] ?? 0)
  return { busy: total - idle, total }
}

const support = await netnsSupport()
if (!support.ok) { console.log(`content benchmark skipped: ${support.reason}`); process.exit(0) }

const network = await createHostNetwork({ count: HOSTS, prefix: 'cbench', subnetIndex: 220 })
const dir = await tempDir('content-bench')
const nodes: RunningNode[] = []
try {
  const seed = network.hosts[0] as Host
  const keysDir = join(dir, 'keys')
  await run(seed, [FLEETS_CLI, 'keys', 'generate', 'release', '--keys-dir', keysDir])
  const token = (await run(seed, [FLEETS_CLI, 'token', 'create', '--db', join(dir, 'fleet.db'), '--release-key', 'release', '--keys-dir', keysDir])).stdout.trim()
  // BENCH_CPU_PROF=DIR writes a V8 CPU profile of every fleet-node (on its graceful exit) into DIR.
  const profileDir = process.env.BENCH_CPU_PROF
  const env = profileDir != null ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : undefined
  for (const host of network.hosts) nodes.push(startFleetNode({ host, storageDir: join(dir, host.name), args: ['--token', token, '--rpc-port', '0', '--name', host.name], ...(env != null ? { env } : {}) }))
  const meshStart = Date.now()
  // Watch the nodes' own logs rather than polling 16 status commands at once.
  while (!nodes.every(n => new RegExp(`connected to \\S+ \\(${HOSTS - 1} peers\\)`).test(n.logs()))) {
    if (Date.now() - meshStart > MESH_WAIT_MS) throw new Error(`no full mesh of ${HOSTS} hosts within ${MESH_WAIT_MS} ms`)
    await sleep(500)
  }
  console.log(`${HOSTS} hosts, full mesh after ${seconds(Date.now() - meshStart)}; artifact ${SIZE_MB} MB; every host's egress shaped to ${MBIT} Mbit/s`)

  const file = join(dir, 'artifact.bin')
  const data = randomBytes(SIZE_MB * 1_000_000)
  await writeFile(file, data)
  const upload = await run(seed, [FLEETS_CLI, 'artifact', 'upload', '--name', 'bench', '--version', '1.0.0', '--file', file, '--platform', 'linux/amd64', '--keys-dir', keysDir, '--node-storage-dir', join(dir, seed.name), '--json'])
  const manifestFile = join(dir, 'manifest.json')
  await writeFile(manifestFile, upload.stdout)
  const sha = createHash('sha256').update(data).digest('hex')
  for (const host of network.hosts) await host.setEgressRate(MBIT)

  // (a) peer to peer
  const fetchers = network.hosts.slice(1)
  const nodesCpu = async (): Promise<number> => (await Promise.all(nodes.map(async n => await cpuSeconds(n.child.pid)))).reduce((a, b) => a + b, 0)
  // What the mesh costs with nothing to transfer (gossip heartbeats, mDNS, pings): the floor under (a).
  const idleCpuStart = await nodesCpu()
  const idleStartUs = (process.hrtime.bigint() / 1000n).toString()
  await sleep(IDLE_SAMPLE_MS)
  if (profileDir != null) console.log(`profile window of the idle mesh: ${idleStartUs} ${(process.hrtime.bigint() / 1000n).toString()} (monotonic µs)`)
  const idleCpuPerS = (await nodesCpu() - idleCpuStart) / (IDLE_SAMPLE_MS / 1000)
  console.log(`  idle mesh: the ${HOSTS} fleet-nodes use ${idleCpuPerS.toFixed(2)} CPU-s per second together (${(100 * idleCpuPerS / HOSTS).toFixed(1)}% of a core each)`)
  // BENCH_IDLE_ONLY=1: stop here (to measure and profile the idle mesh alone).
  if (process.env.BENCH_IDLE_ONLY === '1') throw new IdleOnly()
  const cpuBefore = await nodesCpu()
  // CLOCK_MONOTONIC µs, the clock of V8's CPU profiles: lets a profile be cut to this phase.
  const monotonicUs = (): string => (process.hrtime.bigint() / 1000n).toString()
  const windowStartUs = monotonicUs()
  const machineBefore = await machineCpu()
  const p2p = await Promise.all(fetchers.map(async host => {
    const r = await run(host, [FLEET_NODE_CLI, 'artifact', 'fetch', manifestFile, '--storage-dir', join(dir, host.name), '--json'])
    const done = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { sha256?: string, bytesFromPeers?: number, blocksFromBitswap?: number }
    if (done.sha256 !== sha) throw new Error(`${host.name} fetched the wrong bytes`)
    return { ms: r.ms, fromPeers: done.bytesFromPeers ?? 0, bitswap: done.blocksFromBitswap ?? 0 }
  }))
  const p2pCpuS = await nodesCpu() - cpuBefore
  if (profileDir != null) console.log(`profile window of (a): ${windowStartUs} ${monotonicUs()} (monotonic µs)`)
  const machineAfter = await machineCpu()
  const machineBusy = (machineAfter.busy - machineBefore.busy) / Math.max(1, machineAfter.total - machineBefore.total)
  if (process.env.BENCH_LOGS === '1') for (const [i, n] of nodes.entries()) console.log(`--- host ${i} swarm log ---\n${n.logs().split('\n').filter(l => /swarm|fetch/.test(l)).join('\n')}`)
  const seedList = JSON.parse((await run(seed, [FLEET_NODE_CLI, 'artifact', 'list', '--storage-dir', join(dir, seed.name), '--json'])).stdout) as { uploads: Record<string, number> }
  const seedUploaded = Object.values(seedList.uploads).reduce((a, b) => a + b, 0)

  // (b) plain HTTP from the seed host
  const server = seed.spawn(process.execPath, ['-e', HTTP_SERVER, file])
  await sleep(1000)
  const http = process.env.BENCH_SKIP_HTTP === '1' ? [0] : await Promise.all(fetchers.map(async host => {
    const r = await run(host, ['-e', HTTP_CLIENT, `http://${seed.address}:${HTTP_PORT}/`])
    if (Number(r.stdout.trim()) !== data.length) throw new Error(`${host.name} got ${r.stdout.trim()} bytes over HTTP`)
    return r.ms
  }))
  server.kill()

  const bytes = data.length
  const uBytesPerS = MBIT * 1e6 / 8
  const bound = Math.max(bytes / uBytesPerS, fetchers.length * bytes / (uBytesPerS * HOSTS)) * 1000
  const p2pMs = Math.max(...p2p.map(r => r.ms))
  const httpMs = Math.max(...http)
  console.log('\n  method                      last host done   median host   vs fluid bound')
  console.log(`  (a) peer to peer (swarm)    ${seconds(p2pMs).padEnd(16)} ${seconds(p2p.map(r => r.ms).sort((a, b) => a - b)[Math.floor(p2p.length / 2)] ?? 0).padEnd(13)} ${(p2pMs / bound).toFixed(2)}×`)
  console.log(`  (b) HTTP from the seed      ${seconds(httpMs).padEnd(16)} ${seconds(http.sort((a, b) => a - b)[Math.floor(http.length / 2)] ?? 0).padEnd(13)} ${(httpMs / bound).toFixed(2)}×`)
  console.log(`  fluid-model bound           ${seconds(bound)}`)
  console.log(`\n  HTTP / peer to peer: ${(httpMs / p2pMs).toFixed(2)}×   peer to peer / bound: ${(p2pMs / bound).toFixed(2)}×`)
  const cores = availableParallelism()
  console.log(`  CPU of the ${HOSTS} fleet-node processes during (a): ${p2pCpuS.toFixed(1)} s (${(1000 * p2pCpuS / (fetchers.length * bytes / 1e6)).toFixed(0)} ms per MB delivered); ` +
    `on ${cores} cores that alone takes ≥ ${seconds(1000 * p2pCpuS / cores)} (${(1000 * p2pCpuS / cores / bound).toFixed(2)}× the bound); the machine was ${(100 * machineBusy).toFixed(0)}% busy`)
  console.log(`  seed uploaded ${(seedUploaded / 1e6).toFixed(1)} MB for ${fetchers.length} copies of ${(bytes / 1e6).toFixed(1)} MB (${(seedUploaded / bytes).toFixed(2)} copies); blocks by bitswap fallback: ${p2p.reduce((a, r) => a + r.bitswap, 0)}`)

  // A new version with 10% of its bytes changed in place, fetched by a host holding 1.0.0.
  for (const host of network.hosts) await host.clearEgressRate()
  const v2 = Buffer.from(data)
  for (let region = 0; region < 4; region++) {
    const start = Math.floor((region + 0.5) * v2.length / 4)
    randomBytes(Math.floor(v2.length * 0.025)).copy(v2, start)
  }
  const file2 = join(dir, 'artifact-2.bin')
  await writeFile(file2, v2)
  const upload2 = await run(seed, [FLEETS_CLI, 'artifact', 'upload', '--name', 'bench', '--version', '2.0.0', '--file', file2, '--platform', 'linux/amd64', '--keys-dir', keysDir, '--node-storage-dir', join(dir, seed.name), '--json'])
  const manifest2 = join(dir, 'manifest-2.json')
  await writeFile(manifest2, upload2.stdout)
  const host1 = network.hosts[1] as Host
  const r2 = await run(host1, [FLEET_NODE_CLI, 'artifact', 'fetch', manifest2, '--storage-dir', join(dir, host1.name), '--json'])
  const done2 = JSON.parse(r2.stdout.trim().split('\n').pop() ?? '{}') as { bytesFromPeers: number, blocksFromBitswap: number }
  console.log(`\n  10%-changed version 2.0.0 to a host holding 1.0.0: ${(done2.bytesFromPeers / 1e6).toFixed(2)} MB moved of ${(v2.length / 1e6).toFixed(1)} MB (${(100 * done2.bytesFromPeers / v2.length).toFixed(1)}%), ${done2.blocksFromBitswap} blocks by bitswap`)
  await readFile(manifest2)
} catch (err) {
  if (err instanceof IdleOnly) process.exitCode = 0
  else {
    for (const [i, n] of nodes.entries()) console.error(`--- host ${i} log tail ---\n${n.logs().split('\n').slice(-15).join('\n')}`)
    throw err
  }
} finally {
  await Promise.allSettled(nodes.map(async n => await n.stop()))
  await network.destroy()
}
