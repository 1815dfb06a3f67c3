/**
 * `npm run bench:sim`: wall time, events/s and peak RSS of `canary-bad-version` (20 MB
 * artifact, 1% loss, 2% churn) at 1,000 and 10,000 nodes, side by side, one run each. Each
 * size runs in its own process so peak RSS is that run's, not the larger one's.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { gossipReference } from './gossip/index.js'
import type { SimReport } from './report/index.js'

const SIZES = (process.env.SIM_BENCH_SIZES ?? '1000,10000').split(',').map(Number)
const SCENARIO = process.env.SIM_BENCH_SCENARIO ?? 'canary-bad-version'
const SEED = process.env.SIM_BENCH_SEED ?? '42'
const cli = fileURLToPath(new URL('./cli.ts', import.meta.url))
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url))

const rows: SimReport[] = []
for (const nodes of SIZES) {
  const out = execFileSync(tsx, [cli, '--scenario', SCENARIO, '--nodes', String(nodes), '--seed', SEED, '--json', '--out', 'test-output/sim/bench'], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 })
  const line = out.split('\n').find(l => l.startsWith('{'))
  if (line === undefined) throw new Error(`no report from the ${nodes}-node run:\n${out}`)
  rows.push(JSON.parse(line) as SimReport)
}

const cols: Array<[string, (r: SimReport) => string]> = [
  ['nodes', r => String(r.nodes)],
  ['result', r => r.ok ? 'pass' : 'FAIL'],
  ['wall', r => `${(r.wallMs / 1_000).toFixed(1)} s`],
  ['events', r => String(r.events)],
  ['CPU', r => `${(r.cpuMs / 1_000).toFixed(1)} s`],
  ['events/s', r => String(r.eventsPerSecond)],
  ['peak RSS', r => `${r.peakRssMiB} MiB`],
  ['simulated', r => `${(r.simulatedMs / 1_000).toFixed(0)} s`],
  ['gossip p50/p99', r => `${Math.round(r.gossipDelayMs.p50)}/${Math.round(r.gossipDelayMs.p99)} ms`],
  ['rollback', r => r.deployment.rollbackMs === null ? '-' : `${r.deployment.rollbackMs} ms`],
  ['fetch p50/p99', r => r.swarm.fetchMs.count === 0 ? '-' : `${(r.swarm.fetchMs.p50 / 1_000).toFixed(1)}/${(r.swarm.fetchMs.p99 / 1_000).toFixed(1)} s`],
  ['vs fluid bound', r => r.swarm.waves.map(w => `×${w.ratio}`).join(' ') || '-']
]
const table = [cols.map(c => c[0]), ...rows.map(r => cols.map(c => c[1](r)))]
const widths = cols.map((_, i) => Math.max(...table.map(row => (row[i] ?? '').length)))
console.log(`bench:sim ${SCENARIO} seed ${SEED}`)
for (const row of table) console.log(row.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  '))

// The published gossipsub simulation: 1,000 nodes, 10–150 ms links, every delivery under 400 ms.
const ref = await gossipReference(Number(SEED))
const d = ref.delayMs
console.log(`gossip reference (1,000 nodes, 10–150 ms links, ${ref.messages} messages): ${ref.delivered}/${ref.expected} delivered, ` +
  `p50 ${Math.round(d.p50)} ms, p99 ${Math.round(d.p99)} ms, max ${Math.round(d.max)} ms (published gossipsub simulation: all under 400 ms)`)
if (rows.some(r => !r.ok)) process.exitCode = 1
