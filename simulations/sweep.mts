import { runScenario, scenarios } from './scenarios/index.js'
const nodes = Number(process.argv[2] ?? 300)
for (const name of Object.keys(scenarios)) {
  for (let seed = 1; seed <= Number(process.argv[3] ?? 6); seed++) {
    const r = await runScenario(scenarios[name]!(seed, nodes))
    console.log(name, seed, r.ok ? 'ok' : 'FAIL', r.convergedMs, r.world.coordinator.state.status, r.ok ? '' : r.violations.slice(0, 2).map(v => v.message.slice(0, 300)).join(' | '))
  }
}
