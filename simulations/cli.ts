/**
 * `npm run sim -- --nodes 10000 --scenario canary-bad-version --seed 42`: runs one scenario,
 * prints a summary, writes test-output/sim/<scenario>-<seed>.json and .html, exits 1 (with
 * `reproduce with --seed=N`) when an invariant failed.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { buildReport, formatSummary, renderHtml } from './report/index.js'
import { runScenario, scenarios } from './scenarios/index.js'

/** Nodes a run may have: the 100,000-node target, with headroom. */
const NODES_MAX = 200_000

function usage (message: string): never {
  console.error(`${message}\nusage: npm run sim -- --scenario <${Object.keys(scenarios).join('|')}> --nodes <2..${NODES_MAX}> --seed <uint32> [--out test-output/sim]`)
  process.exit(2)
}

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'canary-bad-version' },
    nodes: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: 'test-output/sim' },
    json: { type: 'boolean', default: false }
  }
})
const scenario = scenarios[values.scenario]
if (scenario === undefined) usage(`unknown scenario '${values.scenario}'`)
const nodes = Number(values.nodes)
if (!Number.isInteger(nodes) || nodes < 2 || nodes > NODES_MAX) usage(`--nodes must be a whole number from 2 to ${NODES_MAX}, got '${values.nodes}'`)
const seed = Number(values.seed)
if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) usage(`--seed must be a whole number from 0 to 4294967295, got '${values.seed}'`)

const result = await runScenario(scenario(seed, nodes))
const report = buildReport(result, process.resourceUsage().maxRSS * 1024)
mkdirSync(values.out, { recursive: true })
const base = join(values.out, `${report.scenario}-${seed}`)
writeFileSync(`${base}.json`, JSON.stringify(report, null, 2) + '\n')
writeFileSync(`${base}.html`, renderHtml(report))
console.log(values.json ? JSON.stringify(report) : formatSummary(report))
console.log(`report: ${base}.json, ${base}.html`)
process.exitCode = report.ok ? 0 : 1
