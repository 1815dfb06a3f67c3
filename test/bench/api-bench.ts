/**
 * `npm run bench:api`: coordinator API latency with a large fleet. Two real API servers (own
 * processes, 127.0.0.1, fresh stores in temp dirs: api-bench-server.ts) side by side, a
 * baseline with 100 devices and the measured one with 10,000, each with labels, groups, apps,
 * deployments and a report per device for the running ones. A keep-alive load generator
 * (fetch, BENCH_CONCURRENCY=32 requests in flight) runs the same seeded mix against each for
 * BENCH_SECONDS=10 after a warm-up: device list pages as `fleets devices list` fetches them
 * (limit 5000, then `after`), one device, the deployment list, one deployment with its report
 * counts, and a write (label a device, which also appends to the audit log).
 *
 * Prints p50/p95/p99/max and requests/s per endpoint for both runs, the ratio 10,000/100,
 * then `api p99 with 10000 devices: X ms`. The runs go one after the other, so they never
 * compete for the CPU. BENCH_CPU_PROF=DIR writes a V8 CPU profile of each server into DIR.
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { BenchServerReady } from './api-bench-server.js'
import type { ChildProcess } from 'node:child_process'
import { mulberry32 } from '../support/mulberry32.js'

const BASELINE_DEVICES = 100
const DEVICES = Number(process.env.BENCH_DEVICES ?? 10_000)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32)
const SEED = Number(process.env.BENCH_SEED ?? 1)
/** As `fleets devices list` pages (devices-command.ts PAGE_LIMIT). */
const PAGE_LIMIT = 5_000
const SERVER_READY_MS_MAX = 600_000

type Endpoint = 'GET /devices (page)' | 'GET /devices/:id' | 'GET /deployments' | 'GET /deployments/:id' | 'POST /devices/:id/labels'
/** Share of each endpoint in the mix: mostly reads by id, some lists, a few writes. */
const MIX: Array<[Endpoint, number]> = [
  ['GET /devices (page)', 5], ['GET /devices/:id', 40], ['GET /deployments', 15], ['GET /deployments/:id', 30], ['POST /devices/:id/labels', 10]
]
const MIX_TOTAL = MIX.reduce((sum, [, weight]) => sum + weight, 0)

interface Stats { n: number, errors: number, lastError?: string, seconds: number, ms: number[] }
type RunResult = Map<Endpoint | 'all', Stats>

async function startServer (devices: number): Promise<{ child: ChildProcess, ready: BenchServerReady }> {
  const prof = process.env.BENCH_CPU_PROF
  const child = fork(fileURLToPath(new URL('./api-bench-server.ts', import.meta.url)), [String(devices)], {
    execArgv: ['--import', 'tsx', ...(prof != null ? ['--cpu-prof', `--cpu-prof-dir=${prof}`, `--cpu-prof-name=api-${devices}.cpuprofile`] : [])]
  })
  const ready = await new Promise<BenchServerReady>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`the ${devices}-device server was not ready within ${SERVER_READY_MS_MAX} ms`)) }, SERVER_READY_MS_MAX)
    child.once('message', (message) => { clearTimeout(timer); resolve(message as BenchServerReady) })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the ${devices}-device server exited with ${code ?? 'a signal'} before it was ready`)) })
  })
  return { child, ready }
}

async function stopServer (child: ChildProcess): Promise<void> {
  const exited = new Promise(resolve => child.once('exit', resolve))
  child.disconnect()
  // The server closes, flushes and removes its temp dir, then has nothing left to wait for.
  const timer = setTimeout(() => child.kill(), 10_000)
  await exited
  clearTimeout(timer)
}

/** One request of `endpoint`; returns an error text, or undefined when it answered as expected. */
async function request (server: BenchServerReady, endpoint: Endpoint, rnd: () => number, cursor: { next?: string }): Promise<string | undefined> {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)] as T
  const viewer = { authorization: `Bearer ${server.viewerToken}` }
  let res: Response
  switch (endpoint) {
    case 'GET /devices (page)': {
      const query = new URLSearchParams({ limit: String(PAGE_LIMIT), ...(cursor.next != null ? { after: cursor.next } : {}) })
      res = await fetch(`${server.url}/api/v1/devices?${query.toString()}`, { headers: viewer })
      const body = Buffer.from(await res.arrayBuffer())
      // `next` closes the body; reading the tail spares the client parsing a few MB per page.
      cursor.next = /"next":"([^"]+)"\}$/.exec(body.subarray(-300).toString())?.[1]
      return res.status === 200 ? undefined : `${res.status} ${body.toString().slice(0, 200)}`
    }
    case 'GET /devices/:id':
      res = await fetch(`${server.url}/api/v1/devices/${pick(server.deviceIds)}`, { headers: viewer })
      break
    case 'GET /deployments':
      res = await fetch(`${server.url}/api/v1/deployments`, { headers: viewer })
      break
    case 'GET /deployments/:id':
      res = await fetch(`${server.url}/api/v1/deployments/${pick(server.deploymentIds)}`, { headers: viewer })
      break
    case 'POST /devices/:id/labels':
      res = await fetch(`${server.url}/api/v1/devices/${pick(server.deviceIds)}/labels`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ set: { bench: `w${Math.floor(rnd() * 1000)}` } })
      })
      break
  }
  const text = await res.text()
  return res.status === 200 ? undefined : `${res.status} ${text.slice(0, 200)}`
}

/** CONCURRENCY workers run the mix for `seconds`; latencies are recorded only when `record`. */
async function load (server: BenchServerReady, seconds: number, record: boolean): Promise<RunResult> {
  const result: RunResult = new Map()
  const stats = (key: Endpoint | 'all'): Stats => {
    let s = result.get(key)
    if (s == null) result.set(key, s = { n: 0, errors: 0, seconds, ms: [] })
    return s
  }
  const deadline = performance.now() + seconds * 1000
  const worker = async (w: number): Promise<void> => {
    const rnd = mulberry32(SEED * 1_000 + w)
    const cursor: { next?: string } = {}
    while (performance.now() < deadline) {
      let roll = rnd() * MIX_TOTAL
      const endpoint = MIX.find(([, weight]) => (roll -= weight) < 0)?.[0] ?? 'GET /devices/:id'
      const start = performance.now()
      const error = await request(server, endpoint, rnd, cursor)
      const ms = performance.now() - start
      if (!record) continue
      for (const s of [stats(endpoint), stats('all')]) {
        s.n++
        s.ms.push(ms)
        if (error != null) { s.errors++; s.lastError = error }
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, w) => { await worker(w) }))
  return result
}

function quantile (sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN
}

function summary (s: Stats | undefined): { p50: number, p95: number, p99: number, max: number, rps: number } {
  const sorted = [...(s?.ms ?? [])].sort((a, b) => a - b)
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? NaN, rps: (s?.n ?? 0) / (s?.seconds ?? 1) }
}

const f = (x: number, width = 7): string => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '-').padStart(width)
const ratio = (a: number, b: number): string => (Number.isFinite(a / b) ? `${(a / b).toFixed(1)}x` : '-').padStart(7)

function print (base: RunResult, big: RunResult): void {
  const cols = (names: string[]): string => names.map(c => c.padStart(7)).join('')
  console.log(`\n${''.padEnd(25)}${`${BASELINE_DEVICES} devices`.padStart(35)} ${`${DEVICES} devices`.padStart(35)} ${`${DEVICES}/${BASELINE_DEVICES}`.padStart(21)}`)
  console.log(`${'latency ms'.padEnd(25)}${cols(['p50', 'p95', 'p99', 'max', 'req/s'])} ${cols(['p50', 'p95', 'p99', 'max', 'req/s'])} ${cols(['p50', 'p99', 'req/s'])}`)
  for (const key of [...MIX.map(([e]) => e), 'all'] as const) {
    const a = summary(base.get(key))
    const b = summary(big.get(key))
    console.log(`${key.padEnd(25)}${[a.p50, a.p95, a.p99, a.max, a.rps].map(x => f(x)).join('')} ${[b.p50, b.p95, b.p99, b.max, b.rps].map(x => f(x)).join('')} ` +
      `${ratio(b.p50, a.p50)}${ratio(b.p99, a.p99)}${ratio(b.rps, a.rps)}`)
  }
  for (const [name, run] of [[BASELINE_DEVICES, base], [DEVICES, big]] as const) {
    for (const [key, s] of run) if (key !== 'all' && s.errors > 0) console.log(`! ${name} devices, ${key}: ${s.errors} of ${s.n} failed; last: ${s.lastError ?? ''}`)
  }
}

console.log(`bench:api: ${CONCURRENCY} requests in flight, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s per run, seed ${SEED}; mix ${MIX.map(([e, w]) => `${e} ${w}%`).join(', ')}`)
const [baseline, measured] = await Promise.all([startServer(BASELINE_DEVICES), startServer(DEVICES)])
const results: RunResult[] = []
try {
  for (const { ready } of [baseline, measured]) {
    console.log(`${ready.deviceIds.length} devices: seeded in ${(ready.seedMs / 1000).toFixed(1)} s, ${ready.url}`)
    await load(ready, WARMUP_SECONDS, false)
    results.push(await load(ready, SECONDS, true))
  }
} finally {
  await Promise.all([stopServer(baseline.child), stopServer(measured.child)])
}
const [base, big] = results as [RunResult, RunResult]
print(base, big)
console.log(`\napi p99 with ${DEVICES} devices: ${summary(big.get('all')).p99.toFixed(1)} ms`)
