/**
 * Liveness invariants, checked once every fault has healed: within the scenario's bound every
 * reachable device converges — targeted devices to the version the scenario expects (the new
 * one, or the rollback version after a rollback), untargeted ones untouched — with the agent's
 * real planner having nothing left to do; after a rollback no reachable device runs the bad
 * version; and the deployment reaches the status the scenario expects.
 */
import { matchesTarget, parseTarget } from '../../node/plans/target-selector.js'
import { SIM_APP } from '../device/index.js'
import type { DeploymentSpec, DeploymentStatus } from '../../node/coordinator/rollout/index.js'
import type { Device } from '../device/index.js'
import type { Network } from '../network/index.js'

export interface Expectation {
  /** Version every reachable targeted device must run in the end. */
  targetedVersion: string
  /** Version untargeted devices keep. */
  untargetedVersion: string
  status: DeploymentStatus
  /** A version no reachable device may still run (the bad one, after a rollback). */
  forbiddenVersion?: string
}

export interface LivenessReport {
  converged: boolean
  reachable: number
  lagging: number
  onForbidden: number
  /** First few lagging devices, for the failure message. */
  sample: string[]
}

export function checkLiveness (devices: readonly Device[], net: Network, spec: DeploymentSpec, status: DeploymentStatus, expect: Expectation): LivenessReport {
  const selector = parseTarget(spec.target)
  let reachable = 0; let lagging = 0; let onForbidden = 0
  const sample: string[] = []
  for (const d of devices) {
    if (!net.linkUp(d.node, 0)) continue
    reachable++
    const want = matchesTarget(selector, d.identity) ? expect.targetedVersion : expect.untargetedVersion
    const running = Object.keys(d.observed.running)
    if (expect.forbiddenVersion !== undefined && (d.active === expect.forbiddenVersion || running.includes(expect.forbiddenVersion))) onForbidden++
    const ok = d.active === want && running.length === 1 && running[0] === want && d.outbox.size === 0 &&
      d.agent.target.apps[SIM_APP]?.manifest.version === want && d.steps().length === 0
    if (!ok) {
      lagging++
      if (sample.length < 5) sample.push(`${d.identity.id} (active ${d.active ?? 'none'}, wants ${want}, running ${running.join('+') || 'nothing'}, outbox ${d.outbox.size})`)
    }
  }
  return { converged: lagging === 0 && onForbidden === 0 && status === expect.status, reachable, lagging, onForbidden, sample }
}
