/**
 * `npm run bench:transfer`: CPU cost of moving bytes between two mesh nodes on 127.0.0.1
 * (mDNS off), sender and receiver in separate processes so each one's CPU is its own.
 * For each transport mode (fleet guard with pnet, and tokenless nodes without it):
 *   - raw:   a trivial protocol that pipes BENCH_MB of 64 KiB chunks over one libp2p stream,
 *   - swarm: the receiver fetches a BENCH_MB random artifact through /fleetd/swarm.
 * Prints MB/s and CPU ms per MB (user+system, process.cpuUsage) for both ends, side by side.
 * Throughput on 2 shared cores is noisy; CPU per MB is the figure to compare.
 *
 * Env: BENCH_MB (default 50), BENCH_MODES (default "pnet,plain"), BENCH_KINDS (default
 * "raw,swarm"), BENCH_RUNS (default 1; fresh nodes each run, the row with the median total CPU
 * is printed), BENCH_PROFILE=<dir>: both processes write a .cpuprofile of each measured
 * transfer there (inspector module, so start-up and the import are not in it).
 *
 * Measured on 2 shared cores (load 8-47 from other work, so ±20%; compare runs made side by side),
 * 50 MB, send + receive CPU ms/MB:
 *   raw stream:  ~21-27 without pnet, ~24-32 with pnet (pnet's XSalsa20 adds ~2-5 ms/MB per side)
 *   swarm fetch: before (5de5eab) ~91-100 without pnet, ~105-140 with; after FastFsBlockstore,
 *                copy-free block frames and one tick timer: ~73-79 and ~103-111.
 * With an in-memory blockstore instead of files the swarm fetch costs ~38-50 ms/MB, close to raw
 * streams: the remaining gap is the file-per-block store (8 libuv fs operations per block that
 * crosses a link, plus the GC work of block buffers that live across them), not the protocol.
 */
import { fork } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { bitswapExchange } from '../../content/exchange/bitswap-exchange.js'
import { importArtifact, openBlockstore } from '../../content/store/index.js'
import { SwarmService } from '../../content/swarm/index.js'
import { silentLogger } from '../../node/logging/index.js'
import { meshNode } from '../../node/mesh/index.js'
import { systemClock, systemRandom } from '../../node/ports/index.js'
import { SeededBytes } from '../support/seeded-bytes.js'
import type { MeshNode } from '../../node/mesh/index.js'
import type { Stream } from '@libp2p/interface'
import type { ChildProcess } from 'node:child_process'

const MB = 1_000_000
const CHUNK_BYTES = 64 * 1024
const SIZE_MB = Number(process.env.BENCH_MB ?? 50)
const SIZE_BYTES = SIZE_MB * MB
const MODES = (process.env.BENCH_MODES ?? 'pnet,plain').split(',') as Mode[]
const KINDS = (process.env.BENCH_KINDS ?? 'raw,swarm').split(',') as Kind[]
const RUNS = Number(process.env.BENCH_RUNS ?? 1)
const PIPE_PROTOCOL = '/fleetd/bench/pipe/1.0.0'
const SEED = 20_250_101
const TIMEOUT_MS = 600_000
const NETWORK_KEY = new TextEncoder().encode('/key/swarm/psk/1.0.0/\n/base16/\n' + 'cd'.repeat(32))

type Mode = 'pnet' | 'plain'
type Kind = 'raw' | 'swarm'

interface Node { mesh: MeshNode, swarm: SwarmService, blockstore: Awaited<ReturnType<typeof openBlockstore>>, dir: string, stop(): Promise<void> }

async function startNode (mode: Mode): Promise<Node> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetd-transfer-bench-'))
  const mesh = meshNode({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, heartbeatIntervalMs: 10_000 })({
    clock: systemClock(), random: systemRandom(), logger: silentLogger, privateKey: await generateKeyPair('Ed25519'),
    storageDir: dir, agentVersion: 'bench', ...(mode === 'pnet' ? { membership: { fleetId: 'fleet-transfer-bench', networkKey: NETWORK_KEY } } : {})
  })
  await mesh.start()
  const blockstore = await openBlockstore(dir)
  const exchange = await bitswapExchange({ libp2p: mesh.libp2p, blockstore })
  const swarm = new SwarmService({ libp2p: mesh.libp2p, blockstore, exchange, clock: systemClock(), logger: silentLogger })
  await swarm.start()
  return {
    mesh, swarm, blockstore, dir,
    stop: async () => {
      await swarm.stop(); await exchange.stop(); await mesh.stop(); await blockstore.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

const PROFILE_DIR = process.env.BENCH_PROFILE

interface Cpu { userMs: number, systemMs: number, threads?: Record<string, number> }
const cpuSpent = (since: NodeJS.CpuUsage): Cpu => { const d = process.cpuUsage(since); return { userMs: d.user / 1000, systemMs: d.system / 1000 } }

/**
 * CPU ms per thread name (Linux /proc; empty elsewhere): main thread, libuv's fs/crypto pool
 * ("libuv-worker"), V8's GC helpers ("V8Worker"). The profiler sees only the main thread.
 */
function threadCpuMs (): Record<string, number> {
  const out: Record<string, number> = {}
  try {
    const tick = 10 // USER_HZ is 100 on every Linux FleetD runs on
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const key = tid === String(process.pid) ? 'main' : name.replace(/[0-9]+$/, '').trim()
      out[key] = (out[key] ?? 0) + (Number(fields[11]) + Number(fields[12])) * tick
    }
  } catch {}
  return out
}

function threadsSince (before: Record<string, number>): Record<string, number> {
  const now = threadCpuMs()
  const spent: Record<string, number> = {}
  for (const [name, ms] of Object.entries(now)) if (ms > (before[name] ?? 0)) spent[name] = ms - (before[name] ?? 0)
  return spent
}

/** Samples this process's main thread while a transfer runs (BENCH_PROFILE). */
class Profile {
  private session: Session | undefined
  async start (): Promise<void> {
    if (PROFILE_DIR == null) return
    this.session = new Session()
    this.session.connect()
    await this.session.post('Profiler.enable')
    await this.session.post('Profiler.setSamplingInterval', { interval: 1000 })
    await this.session.post('Profiler.start')
  }

  async stop (name: string): Promise<void> {
    if (this.session == null || PROFILE_DIR == null) return
    const { profile } = await this.session.post('Profiler.stop')
    await writeFile(join(PROFILE_DIR, `${name}.cpuprofile`), JSON.stringify(profile))
    this.session.disconnect()
    this.session = undefined
  }
}

// ---- sender (child process): serves the pipe protocol and the imported artifact ----

type Command = { cmd: 'start', mode: Mode } | { cmd: 'import' } | { cmd: 'cpu-begin' } | { cmd: 'cpu-end', name: string } | { cmd: 'stop' }

function sender (): void {
  let node: Node | undefined
  let cpuSince = process.cpuUsage()
  let threadsBefore = threadCpuMs()
  const profile = new Profile()
  const reply = (message: object): void => { process.send?.(message) }
  process.on('message', (command: Command) => {
    void (async () => {
      if (command.cmd === 'start') {
        node = await startNode(command.mode)
        // Piping starts when the receiver says it reads: bytes that arrive before anyone listens
        // pile up in the stream's read buffer, and past its limit libp2p resets the stream.
        await node.mesh.libp2p.handle(PIPE_PROTOCOL, (stream) => {
          stream.addEventListener('message', () => { void pipeOut(stream).catch(err => { console.error('pipe failed', err) }) }, { once: true })
        })
        reply({ addr: node.mesh.libp2p.getMultiaddrs()[0]?.toString() })
      } else if (command.cmd === 'import') {
        const bytes = new SeededBytes(SEED)
        function * source (): Generator<Uint8Array> {
          for (let sent = 0; sent < SIZE_BYTES; sent += MB) yield bytes.fill(new Uint8Array(Math.min(MB, SIZE_BYTES - sent)))
        }
        const imported = await importArtifact({ blockstore: node!.blockstore }, toAsync(source()))
        reply({ root: imported.cid.toString() })
      } else if (command.cmd === 'cpu-begin') {
        await profile.start()
        cpuSince = process.cpuUsage()
        threadsBefore = threadCpuMs()
        reply({ ok: true })
      } else if (command.cmd === 'cpu-end') {
        const cpu = { ...cpuSpent(cpuSince), threads: threadsSince(threadsBefore) }
        await profile.stop(`${command.name}-sender`)
        reply(cpu)
      } else {
        await node?.stop()
        reply({ ok: true })
        process.disconnect()
      }
    })().catch(err => { console.error(err); process.exit(1) })
  })
}

async function * toAsync<T> (items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item)
}

/** Writes SIZE_BYTES in 64 KiB chunks, honouring backpressure. */
async function pipeOut (stream: Stream): Promise<void> {
  const chunk = new SeededBytes(SEED).fill(new Uint8Array(CHUNK_BYTES))
  for (let sent = 0; sent < SIZE_BYTES; sent += CHUNK_BYTES) {
    const n = Math.min(CHUNK_BYTES, SIZE_BYTES - sent)
    if (!stream.send(n === CHUNK_BYTES ? chunk : chunk.subarray(0, n))) await stream.onDrain()
  }
  await stream.close()
}

// ---- receiver (parent process): drives the runs and prints the table ----

class Child {
  private readonly waiting: Array<(message: Record<string, unknown>) => void> = []
  constructor (readonly proc: ChildProcess) {
    proc.on('message', (message: Record<string, unknown>) => { this.waiting.shift()?.(message) })
    proc.on('exit', code => { if (code !== 0 && code !== null) { console.error(`sender exited with ${code}`); process.exit(1) } })
  }

  async ask<T> (command: Command): Promise<T> {
    return await new Promise<T>(resolve => {
      this.waiting.push(m => { resolve(m as T) })
      this.proc.send(command)
    })
  }
}

interface Row { mode: Mode, kind: Kind, seconds: number, sender: Cpu, receiver: Cpu }

async function measure (child: Child, name: string, run: () => Promise<void>): Promise<Omit<Row, 'mode' | 'kind'>> {
  await child.ask({ cmd: 'cpu-begin' })
  const profile = new Profile()
  await profile.start()
  const since = process.cpuUsage()
  const threadsBefore = threadCpuMs()
  const start = performance.now()
  await run()
  const seconds = (performance.now() - start) / 1000
  const receiver = { ...cpuSpent(since), threads: threadsSince(threadsBefore) }
  await profile.stop(`${name}-receiver`)
  const sender = await child.ask<Cpu>({ cmd: 'cpu-end', name })
  return { seconds, sender, receiver }
}

async function pipeIn (node: Node, peer: string): Promise<void> {
  const stream = await node.mesh.libp2p.dialProtocol(multiaddr(peer), PIPE_PROTOCOL, { signal: AbortSignal.timeout(TIMEOUT_MS) })
  let received = 0
  const chunks = stream[Symbol.asyncIterator]()
  const first = chunks.next()
  stream.send(new Uint8Array([1]))
  for (let next = await first; next.done !== true; next = await chunks.next()) received += next.value.byteLength
  if (received !== SIZE_BYTES) throw new Error(`pipe received ${received} of ${SIZE_BYTES} bytes`)
  await stream.close()
}

async function runMode (mode: Mode, execArgv: string[]): Promise<Row[]> {
  const child = new Child(fork(fileURLToPath(import.meta.url), ['--sender'], { execArgv }))
  const rows: Row[] = []
  const { addr } = await child.ask<{ addr: string }>({ cmd: 'start', mode })
  const node = await startNode(mode)
  try {
    await node.mesh.libp2p.dial(multiaddr(addr))
    if (KINDS.includes('raw')) {
      await pipeIn(node, addr) // warm-up: JIT, wasm memory, yamux windows
      rows.push({ mode, kind: 'raw', ...await measure(child, `${mode}-raw`, async () => { await pipeIn(node, addr) }) })
    }
    if (KINDS.includes('swarm')) {
      const { root } = await child.ask<{ root: string }>({ cmd: 'import' })
      const cid = CID.parse(root)
      rows.push({
        mode, kind: 'swarm', ...await measure(child, `${mode}-swarm`, async () => {
          const done = await node.swarm.fetch(cid, { signal: AbortSignal.timeout(TIMEOUT_MS) })
          if (done.bytesFromPeers !== SIZE_BYTES) throw new Error(`fetched ${done.bytesFromPeers} of ${SIZE_BYTES} bytes from peers`)
        })
      })
    }
  } finally {
    await node.stop()
    await child.ask({ cmd: 'stop' })
  }
  return rows
}

async function main (): Promise<void> {
  const execArgv = process.execArgv
  console.log(`transfer CPU bench: ${SIZE_MB} MB on 127.0.0.1, ${KINDS.join(' + ')}, modes ${MODES.join(' / ')}, median of ${RUNS}; CPU = user + system of each process during the transfer`)
  const runs: Row[] = []
  for (let run = 0; run < RUNS; run++) for (const mode of MODES) runs.push(...await runMode(mode, execArgv))
  const cpuOf = (r: Row): number => r.sender.userMs + r.sender.systemMs + r.receiver.userMs + r.receiver.systemMs
  const rows = MODES.flatMap(mode => KINDS.map(kind => {
    const same = runs.filter(r => r.mode === mode && r.kind === kind).sort((a, b) => cpuOf(a) - cpuOf(b))
    return same[Math.floor(same.length / 2)]
  })).filter(r => r != null)
  const pad = (s: string, n: number): string => s.padStart(n)
  const perMb = (cpu: Cpu): string => pad(((cpu.userMs + cpu.systemMs) / SIZE_MB).toFixed(1), 6) + pad(`(${(cpu.systemMs / SIZE_MB).toFixed(1)})`, 7)
  console.log(`${'mode'.padEnd(6)} ${'kind'.padEnd(6)} ${pad('MB/s', 7)} ${pad('send ms/MB (sys)', 16)} ${pad('recv ms/MB (sys)', 16)} ${pad('total ms/MB', 12)}`)
  for (const r of rows) {
    const total = (r.sender.userMs + r.sender.systemMs + r.receiver.userMs + r.receiver.systemMs) / SIZE_MB
    console.log(`${r.mode.padEnd(6)} ${r.kind.padEnd(6)} ${pad((SIZE_MB / r.seconds).toFixed(1), 7)}   ${perMb(r.sender)}   ${perMb(r.receiver)} ${pad(total.toFixed(1), 12)}`)
  }
  const threads = (cpu: Cpu): string => Object.entries(cpu.threads ?? {}).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / SIZE_MB).toFixed(1)}`).join(', ')
  console.log('CPU ms/MB by thread:')
  for (const r of rows) console.log(`${r.mode.padEnd(6)} ${r.kind.padEnd(6)} send: ${threads(r.sender)} | recv: ${threads(r.receiver)}`)
}

if (process.argv.includes('--sender')) sender()
else await main()
