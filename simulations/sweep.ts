/**
 * `npm run sim:sweep -- --scenario random --nodes 300 --from 1 --count 50`: runs one scenario
 * over consecutive seeds and prints a line per seed — how a deterministic simulator finds the
 * rare interleaving (VOPR style). Exits 1 when any seed failed; each failure says how to
 * reproduce it alone.
 */
import { parseArgs } from 'node:util'
import { runScenario, scenarios } from './scenarios/index.js'

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'random' },
    nodes: { type: 'string', default: '200' },
    from: { type: 'string', default: '1' },
    count: { type: 'string', default: '20' }
  }
})
const names = values.scenario === 'all' ? Object.keys(scenarios) : [values.scenario]
const nodes = Number(values.nodes)
const from = Number(values.from)
const count = Number(values.count)
if (names.some(n => scenarios[n] === undefined) || !Number.isInteger(nodes) || nodes < 2 || !Number.isInteger(from) || !Number.isInteger(count) || count < 1) {
  console.error(`usage: npm run sim:sweep -- --scenario <all|${Object.keys(scenarios).join('|')}> --nodes N --from SEED --count N`)
  process.exit(2)
}
let failed = 0
for (const name of names) {
  for (let seed = from; seed < from + count; seed++) {
    const scenario = scenarios[name]
    if (scenario === undefined) continue
    const r = await runScenario(scenario(seed >>> 0, nodes))
    if (!r.ok) failed++
    const head = `${name} seed ${seed}: ${r.ok ? 'pass' : 'FAIL'} ${r.world.coordinator.state.status}, converged ${r.convergedMs === undefined ? 'never' : `at ${r.convergedMs / 1_000} s`}, ${r.world.sim.eventsRun} events, ${Math.round(r.wallMs)} ms`
    console.log(r.ok ? head : `${head}\n  ${r.violations.slice(0, 3).map(v => `[${v.kind}] ${v.invariant}: ${v.message}`).join('\n  ')}\n  ${r.reproduce}`)
  }
}
console.log(`${failed} of ${names.length * count} runs failed`)
process.exitCode = failed === 0 ? 0 : 1
