/**
 * `npm run bench:telemetry`: two figures of the coordinator's observability.
 *
 * 1. Metric ingestion: a real `fleets server` (built CLI, own process, 127.0.0.1, mDNS off, a
 *    fresh database) and, in this process, BENCH_GEN_NODES mesh nodes of its fleet (joined
 *    with the token the server wrote) that stand for gateways of BENCH_DEVICES devices. They
 *    send telemetry reports (the agent's ~20 metrics: system, one app, custom) over the real
 *    /fleetd/reports/1.0.0 protocol, BENCH_STREAMS batches of REPORT_BATCH_MAX (BENCH_BATCH) in flight, for BENCH_SECONDS
 *    after a warm-up. Counted: reports the server acked (it acks only what it stored). The
 *    baseline, side by side on a second fresh server, is the same load as deployment reports
 *    (the registry path every DeviceReport took before telemetry had its own store). A third
 *    line is the store alone in this process (no mesh, no crypto), to tell the two apart.
 * 2. Dashboard load time: Debian's Chromium (playwright-core, /usr/bin/chromium) opens the
 *    dashboard of a coordinator seeded with BENCH_UI_DEVICES devices with telemetry
 *    (api-bench-server.ts), logs in, and waits for the fleet page's figures and the device
 *    list's first page; baseline: the same with 100 devices. Median of BENCH_UI_RUNS loads.
 *
 * Prints both runs and their ratio, then `ingestion: N reports/s (target 20000)`.
 */
import { fork, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { decodeReportAck, encodeDeviceReport, Health, REPORT_ACK_BYTES_MAX, WIRE_VERSION } from '../../proto/index.js'
import { parseJoinToken } from '../../node/fleet/index.js'
import { silentLogger } from '../../node/logging/index.js'
import { meshNode } from '../../node/mesh/index.js'
import { REPORT_BATCH_MAX, REPORTS_PROTOCOL } from '../../node/plans/constants.js'
import { systemClock, systemRandom } from '../../node/ports/index.js'
import { Level } from 'level'
import { telemetryConfigSchema, telemetryStore, TELEMETRY_STEP } from '../../node/telemetry/index.js'
import type { BenchServerReady } from './api-bench-server.js'
import type { MeshNode } from '../../node/mesh/index.js'
import type { ChildProcess } from 'node:child_process'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2)
const DEVICES = Number(process.env.BENCH_DEVICES ?? 10_000)
const GEN_NODES = Number(process.env.BENCH_GEN_NODES ?? 4)
const STREAMS = Number(process.env.BENCH_STREAMS ?? 32)
/** Reports per delivery stream: what a node's report sender puts in one (REPORT_BATCH_MAX). */
const BATCH = Number(process.env.BENCH_BATCH ?? REPORT_BATCH_MAX)
const UI_DEVICES = Number(process.env.BENCH_UI_DEVICES ?? 10_000)
const UI_RUNS = Number(process.env.BENCH_UI_RUNS ?? 5)
const TARGET = 20_000
const FLEETS_CLI = resolve('dist/node/cli/fleets.js')
/** BENCH_SERVER_PROF_DIR=DIR: each server writes a V8 CPU profile there (to find where ingestion time goes). */
const PROF_ARGS = process.env.BENCH_SERVER_PROF_DIR != null ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SERVER_PROF_DIR}`] : []
/** BENCH_UI=0: ingestion only. */
const UI = process.env.BENCH_UI !== '0'

interface Ingest { acked: number, seconds: number, batches: number, failures: number, lastError?: string }

/** ~20 metrics, as flattenDeviceMetrics makes them for a device running one app. */
function metricsOf (i: number, seq: number): Map<string, number> {
  return new Map(Object.entries({
    cpu_percent: (i * 7 + seq) % 100, memory_used_bytes: 200e6 + i, memory_total_bytes: 1e9, disk_used_bytes: 3e9, disk_total_bytes: 16e9,
    uptime_seconds: 86_400 + seq, load1: 0.5, load5: 0.4, load15: 0.3, net_rx_bytes: seq * 1000, net_tx_bytes: seq * 800, net_errors: 0,
    'app:web:cpu_percent': 3.5, 'app:web:memory_rss_bytes': 50e6, 'app:web:restarts': 0, 'app:web:up': 1, 'web/error_rate': 0.001, 'web/requests': seq
  }))
}

async function startServer (dir: string): Promise<{ child: ChildProcess, token: string }> {
  const tokenFile = join(dir, 'join.token')
  const child = spawn(process.execPath, [...PROF_ARGS, FLEETS_CLI, 'server', '--db', join(dir, 'fleet.db'), '--port', '0', '--no-mdns', '--rpc-port', '0',
    '--listen', '/ip4/127.0.0.1/tcp/0', '--keys-dir', join(dir, 'keys'), '--join-token-out', tokenFile], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FLEETD_LOG_LEVEL: 'warn' } })
  let out = ''
  child.stdout?.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr?.on('data', (c: Buffer) => { out += c.toString() })
  const deadline = Date.now() + 60_000
  while (!out.includes('join token written')) {
    if (Date.now() > deadline || child.exitCode != null) throw new Error(`fleets server did not start:\n${out}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  return { child, token: await readFile(tokenFile, 'utf8') }
}

async function stopServer (child: ChildProcess): Promise<void> {
  const exited = new Promise(resolve => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

/** One run: generator nodes send `kind` reports to a fresh server for the warm-up plus SECONDS. */
async function ingestRun (kind: 'telemetry' | 'deployment'): Promise<Ingest> {
  const dir = await mkdtemp(join(tmpdir(), `fleetd-telemetry-bench-${kind}-`))
  const { child, token } = await startServer(dir)
  const data = parseJoinToken(token)
  const coordinator = multiaddr(data.bootstrap[0] ?? '')
  const coordinatorPeer = peerIdFromString(coordinator.getComponents().find(c => c.name === 'p2p')?.value ?? '')
  const gens: MeshNode[] = []
  const result: Ingest = { acked: 0, seconds: 0, batches: 0, failures: 0 }
  try {
    for (let g = 0; g < GEN_NODES; g++) {
      const node = meshNode({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, bootstrap: [], name: `gen-${g}` })({
        clock: systemClock(), random: systemRandom(), logger: silentLogger, privateKey: await generateKeyPair('Ed25519'),
        storageDir: join(dir, `gen-${g}`), agentVersion: 'bench', membership: { fleetId: data.fleetId, networkKey: data.networkKey }
      })
      await node.start()
      await node.libp2p.dial(coordinator)
      gens.push(node)
    }
    const seqs = new Float64Array(DEVICES).fill(Date.now())
    let next = 0
    let counting = false
    const stopAt = Date.now() + (WARMUP_SECONDS + SECONDS) * 1000
    const sendBatch = async (gen: MeshNode): Promise<void> => {
      const frames: Uint8Array[] = []
      let last = 0
      for (let k = 0; k < BATCH; k++) {
        const i = next++ % DEVICES
        const seq = (seqs[i] ?? 0) + 1
        seqs[i] = seq
        last = Math.max(last, seq)
        frames.push(encodeDeviceReport({
          version: WIRE_VERSION, deviceId: `bench-dev-${String(i).padStart(6, '0')}`, deploymentId: kind === 'telemetry' ? '' : 'dep-bench',
          planSeq: kind === 'telemetry' ? 0 : 1, step: kind === 'telemetry' ? TELEMETRY_STEP : 'running', appVersion: kind === 'telemetry' ? '' : '1.0.0',
          health: Health.HEALTHY, errorCode: '', errorMessage: '', metrics: metricsOf(i, seq), sentMs: Date.now(), seq
        }))
      }
      const stream = await gen.libp2p.dialProtocol(coordinatorPeer, REPORTS_PROTOCOL, { signal: AbortSignal.timeout(30_000) })
      const lp = lpStream(stream, { maxDataLength: REPORT_ACK_BYTES_MAX })
      await lp.writeV([...frames, new Uint8Array(0)])
      const ack = decodeReportAck(await lp.read({ signal: AbortSignal.timeout(30_000) }))
      await stream.close()
      // Reports of different devices: the receiver acks the highest seq handled, and stops at the first failure.
      if (ack.seq < last) throw new Error(`acked ${ack.seq} of a batch up to ${last}`)
      if (counting) { result.acked += frames.length; result.batches++ }
    }
    const worker = async (w: number): Promise<void> => {
      const gen = gens[w % gens.length]
      if (gen == null) return
      while (Date.now() < stopAt) {
        try {
          await sendBatch(gen)
        } catch (err) {
          if (counting) { result.failures++; result.lastError = (err as Error).message }
        }
      }
    }
    const workers = Array.from({ length: STREAMS }, async (_, w) => { await worker(w) })
    await new Promise(resolve => setTimeout(resolve, WARMUP_SECONDS * 1000))
    counting = true
    const started = performance.now()
    await Promise.all(workers)
    result.seconds = (performance.now() - started) / 1000
  } finally {
    for (const g of gens) await g.stop()
    await stopServer(child)
    await rm(dir, { recursive: true, force: true })
  }
  return result
}

/**
 * The time-series store alone, in this process (no network, no crypto): STREAMS callers each
 * ingesting batches of REPORT_BATCH_MAX at once, as the coordinator's receiver hands them over, for SECONDS.
 * Separates the store's capacity from the mesh path's.
 */
async function storeRun (): Promise<Ingest> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetd-telemetry-bench-store-'))
  const db = new Level<string, unknown>(dir, { valueEncoding: 'json' })
  const store = await telemetryStore(telemetryConfigSchema.parse({}))({ db, clock: systemClock() })
  const result: Ingest = { acked: 0, seconds: 0, batches: 0, failures: 0 }
  const seqs = new Float64Array(DEVICES)
  let next = 0
  const stopAt = performance.now() + SECONDS * 1000
  const started = performance.now()
  await Promise.all(Array.from({ length: STREAMS }, async () => {
    while (performance.now() < stopAt) {
      const batch = Array.from({ length: BATCH }, () => {
        const i = next++ % DEVICES
        const seq = (seqs[i] ?? 0) + 1
        seqs[i] = seq
        return { deviceId: `bench-dev-${String(i).padStart(6, '0')}`, atMs: Date.now(), seq, metrics: Object.fromEntries(metricsOf(i, seq)) }
      })
      await Promise.all(batch.map(async s => await store.ingest(s)))
      result.acked += BATCH
      result.batches++
    }
  }))
  result.seconds = (performance.now() - started) / 1000
  await store.flush()
  await db.close()
  await rm(dir, { recursive: true, force: true })
  return result
}

async function startUiServer (devices: number): Promise<{ child: ChildProcess, ready: BenchServerReady }> {
  const child = fork(fileURLToPath(new URL('./api-bench-server.ts', import.meta.url)), [String(devices)], { execArgv: ['--import', 'tsx'] })
  const ready = await new Promise<BenchServerReady>((resolve, reject) => {
    child.once('message', (message) => { resolve(message as BenchServerReady) })
    child.once('exit', (code) => { reject(new Error(`the ${devices}-device server exited with ${code ?? 'a signal'}`)) })
  })
  return { child, ready }
}

/** Milliseconds from navigation to the fleet figures, then to the device list's first page, median of UI_RUNS. */
async function uiRun (devices: number): Promise<{ fleetMs: number, devicesMs: number }> {
  const { chromium } = await import('playwright-core')
  const { child, ready } = await startUiServer(devices)
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--disable-dev-shm-usage'] })
  const fleet: number[] = []
  const list: number[] = []
  try {
    for (let run = 0; run < UI_RUNS + 1; run++) {
      const context = await browser.newContext()
      await context.addInitScript((token: string) => { sessionStorage.setItem('fleetd.token', token) }, ready.viewerToken)
      const page = await context.newPage()
      const t0 = performance.now()
      await page.goto(`${ready.url}/ui/#/`)
      // A locator, not a string predicate: the dashboard's CSP forbids evaluating strings.
      await page.locator('#devices-total', { hasText: new RegExp(`^${devices}$`) }).waitFor({ timeout: 120_000 })
      const t1 = performance.now()
      await page.goto(`${ready.url}/ui/#/devices`)
      await page.waitForSelector('#devices tbody tr[data-device-id]', { timeout: 120_000 })
      const t2 = performance.now()
      if (run > 0) { fleet.push(t1 - t0); list.push(t2 - t1) } // the first load warms the server's caches and JIT
      await context.close()
    }
  } finally {
    await browser.close()
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.disconnect()
    await exited
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
  return { fleetMs: median(fleet), devicesMs: median(list) }
}

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 })

console.log(`telemetry ingestion: ${GEN_NODES} mesh nodes, ${STREAMS} batches of ${BATCH} in flight, ${DEVICES} devices, ${SECONDS} s after ${WARMUP_SECONDS} s warm-up`)
const runs: Array<[string, Ingest]> = []
for (const kind of ['deployment', 'telemetry'] as const) {
  const r = await ingestRun(kind)
  runs.push([kind, r])
  console.log(`  ${kind === 'telemetry' ? 'telemetry path (time-series store)  ' : 'baseline: deployment-report path     '} ${fmt(r.acked / r.seconds).padStart(8)} reports/s  (${fmt(r.acked)} acked in ${r.seconds.toFixed(1)} s, ${r.batches} batches, ${r.failures} failed${r.lastError != null ? `: ${r.lastError}` : ''})`)
}
const storeOnly = await storeRun()
console.log(`  the store alone, in process (no mesh)   ${fmt(storeOnly.acked / storeOnly.seconds).padStart(8)} samples/s  (${fmt(storeOnly.acked)} in ${storeOnly.seconds.toFixed(1)} s)`)
const base = runs[0]?.[1]
const tele = runs[1]?.[1]
const rate = tele != null ? tele.acked / tele.seconds : 0
if (base != null && tele != null) console.log(`  ratio telemetry / baseline: ${(rate / (base.acked / base.seconds)).toFixed(2)}×`)

const large = UI ? await uiRuns() : undefined
console.log(`\ningestion: ${fmt(rate)} reports/s (target ${fmt(TARGET)}): ${rate >= TARGET ? 'met' : 'NOT met'}`)
if (large != null) console.log(`dashboard with ${UI_DEVICES} devices: fleet page ${large.fleetMs.toFixed(0)} ms, device list ${large.devicesMs.toFixed(0)} ms`)

async function uiRuns (): Promise<{ fleetMs: number, devicesMs: number }> {
  console.log(`\ndashboard load (Chromium, median of ${UI_RUNS}): navigation to fleet figures, then to the first device page`)
  const small = await uiRun(100)
  const large = await uiRun(UI_DEVICES)
  console.log(`  baseline 100 devices     fleet ${small.fleetMs.toFixed(0).padStart(6)} ms   devices ${small.devicesMs.toFixed(0).padStart(6)} ms`)
  console.log(`  ${String(UI_DEVICES).padEnd(6)} devices         fleet ${large.fleetMs.toFixed(0).padStart(6)} ms   devices ${large.devicesMs.toFixed(0).padStart(6)} ms`)
  console.log(`  ratio ${UI_DEVICES}/100          fleet ${(large.fleetMs / small.fleetMs).toFixed(2)}×      devices ${(large.devicesMs / small.devicesMs).toFixed(2)}×`)
  return large
}
