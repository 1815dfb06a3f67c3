/**
 * Runs one scenario: the world advances in slices of virtual time; safety is checked at every
 * event by the checker the devices call; once every fault has healed and the deployment's own
 * schedule is over, liveness is checked each slice until it holds or the bound passes.
 */
import { rolloutPhases } from '../../node/coordinator/rollout/index.js'
import { SIM_APP } from '../device/index.js'
import { SIM_T0_MS } from '../engine/index.js'
import { checkLiveness } from '../invariants/index.js'
import { buildWorld } from './world.js'
import type { ScenarioConfig } from './config.js'
import type { Violation, LivenessReport } from '../invariants/index.js'
import type { World, WorldOptions } from './world.js'

/** Virtual time between liveness checks: fine enough for convergence times, cheap at 10,000 devices. */
const SLICE_MS = 5_000

/** Where the fleet stands at one instant: the per-phase progress plot. */
export interface ProgressSample {
  atMs: number
  /** Devices whose active version is the deployment's new version. */
  onNew: number
  /** Devices whose agent is working towards a target it does not run yet. */
  updating: number
  offline: number
}

function sample (world: World, atMs: number): ProgressSample {
  let onNew = 0; let updating = 0; let offline = 0
  const version = world.spec.version
  for (const d of world.devices) {
    if (d.active === version) onNew++
    if (d.agent.target.apps[SIM_APP]?.manifest.version !== d.active) updating++
    if (world.net.online[d.node] !== 1) offline++
  }
  return { atMs, onNew, updating, offline }
}

export interface RunResult {
  world: World
  ok: boolean
  violations: Violation[]
  violationCount: number
  liveness: LivenessReport
  /** One sample per slice (5 s of virtual time). */
  progress: ProgressSample[]
  /** Virtual ms from the start until liveness held (undefined: it never did). */
  convergedMs: number | undefined
  wallMs: number
  /** CPU ms (user + system) of this process during the run: on a shared machine wall time also counts other processes. */
  cpuMs: number
  /** How to run this again. */
  reproduce: string
}

export async function runScenario (config: ScenarioConfig, options: WorldOptions = {}): Promise<RunResult> {
  const wallStart = performance.now()
  const cpuStart = process.cpuUsage()
  const world = buildWorld(config, options)
  const { sim, net, devices, coordinator, safety, spec } = world
  const scheduleMs = config.deployAtMs + rolloutPhases(spec).reduce((sum, p) => sum + p.durationMs, 0)
  const checkFromMs = SIM_T0_MS + Math.max(config.healMs, config.deployAtMs)
  const deadlineMs = SIM_T0_MS + Math.max(config.healMs, scheduleMs) + config.convergenceBoundMs
  let liveness = checkLiveness(devices, net, spec, coordinator.state.status, config.expect)
  let convergedMs: number | undefined
  const progress: ProgressSample[] = []
  for (let t = SIM_T0_MS + SLICE_MS; ; t += SLICE_MS) {
    await sim.run({ untilMs: t })
    progress.push(sample(world, t - SIM_T0_MS))
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
    progress,
    convergedMs,
    wallMs: performance.now() - wallStart,
    cpuMs: (({ user, system }) => (user + system) / 1_000)(process.cpuUsage(cpuStart)),
    reproduce: `reproduce with --seed=${config.seed} (npm run sim -- --scenario ${config.name} --nodes ${config.nodes} --seed ${config.seed})`
  }
}
