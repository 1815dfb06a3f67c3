/**
 * Runs one scenario: the world advances in slices of virtual time; safety is checked at every
 * event by the checker the devices call; once every fault has healed and the deployment's own
 * schedule is over, liveness is checked each slice until it holds or the bound passes.
 */
import { rolloutPhases } from '../../node/coordinator/rollout/index.js'
import { SIM_T0_MS } from '../engine/index.js'
import { checkLiveness } from '../invariants/index.js'
import { buildWorld } from './world.js'
import type { ScenarioConfig } from './config.js'
import type { Violation, LivenessReport } from '../invariants/index.js'
import type { World, WorldOptions } from './world.js'

/** Virtual time between liveness checks: fine enough for convergence times, cheap at 10,000 devices. */
const SLICE_MS = 5_000

export interface RunResult {
  world: World
  ok: boolean
  violations: Violation[]
  violationCount: number
  liveness: LivenessReport
  /** Virtual ms from the start until liveness held (undefined: it never did). */
  convergedMs: number | undefined
  wallMs: number
  /** How to run this again. */
  reproduce: string
}

export async function runScenario (config: ScenarioConfig, options: WorldOptions = {}): Promise<RunResult> {
  const wallStart = performance.now()
  const world = buildWorld(config, options)
  const { sim, net, devices, coordinator, safety, spec } = world
  const scheduleMs = config.deployAtMs + rolloutPhases(spec).reduce((sum, p) => sum + p.durationMs, 0)
  const checkFromMs = SIM_T0_MS + Math.max(config.healMs, config.deployAtMs)
  const deadlineMs = SIM_T0_MS + Math.max(config.healMs, scheduleMs) + config.convergenceBoundMs
  let liveness = checkLiveness(devices, net, spec, coordinator.state.status, config.expect)
  let convergedMs: number | undefined
  for (let t = SIM_T0_MS + SLICE_MS; ; t += SLICE_MS) {
    await sim.run({ untilMs: t })
    if (t < checkFromMs) continue
    // The cheap test first: the deployment must have reached its final status.
    if (coordinator.state.status === config.expect.status || t >= deadlineMs) {
      liveness = checkLiveness(devices, net, spec, coordinator.state.status, config.expect)
      if (liveness.converged) {
        convergedMs = t - SIM_T0_MS
        break
      }
    }
    if (t >= deadlineMs) break
  }
  const violations = [...safety.violations]
  let violationCount = safety.violationCount
  if (convergedMs === undefined) {
    violationCount++
    violations.push({
      atMs: sim.elapsedMs,
      kind: 'liveness',
      invariant: 'converges',
      message: `not converged ${config.convergenceBoundMs} ms after the faults healed and the schedule ended: deployment ${coordinator.state.status} (expected ${config.expect.status}); ` +
        `${liveness.lagging} of ${liveness.reachable} reachable devices lagging, ${liveness.onForbidden} still on ${config.expect.forbiddenVersion ?? '-'}; e.g. ${liveness.sample.join('; ')}`
    })
  }
  return {
    world,
    ok: violationCount === 0,
    violations,
    violationCount,
    liveness,
    convergedMs,
    wallMs: performance.now() - wallStart,
    reproduce: `reproduce with --seed=${config.seed} (npm run sim -- --scenario ${config.name} --nodes ${config.nodes} --seed ${config.seed})`
  }
}
