import { runScenario, scenarios } from './scenarios/index.js'
const name = process.argv[2] ?? 'canary-good'
const nodes = Number(process.argv[3] ?? 200)
const r = await runScenario(scenarios[name]!(Number(process.argv[4] ?? 1), nodes))
console.log(name, r.ok, r.convergedMs, r.world.coordinator.state.status, r.world.sim.eventsRun, Math.round(r.wallMs), r.violations.slice(0, 3), r.world.coordinator.audits.map(a => `${a.atMs - 1_700_000_000_000} ${a.event}`).join(', '), r.world.gossip.stats)
const c = r.world.coordinator
console.log(c.reportsReceived, c.decisions, c.state.reason, [...c.reports.values()].slice(0, 3))
