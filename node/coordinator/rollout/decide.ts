/**
 * `decide`: the whole rollout controller as one pure, synchronous function of the spec, the
 * state, the latest persisted reports, the registry and the time. Same inputs, same outputs.
 */
import { ok as assert } from 'node:assert'
import { cohortBucket } from '../../plans/cohort.js'
import { DecisionBuilder } from './actions.js'
import { REASON } from './constants.js'
import { stepForward } from './forward.js'
import { rolloutPhases } from './phases.js'
import { stepRollback } from './rollback-flow.js'
import { TERMINAL_STATUSES } from './state.js'
import { matchesTarget, parseTarget } from './target.js'
import type { Decision } from './actions.js'
import type { BucketOf } from './bucket-cache.js'
import type { ReportsByDevice } from './observe.js'
import type { DeploymentSpec } from './spec.js'
import type { DeploymentState } from './state.js'
import type { RolloutDevice, TargetSelector } from './target.js'

export interface RolloutContext {
  /** The coordinator's time (virtual in the simulator). */
  nowMs: number
  /** The device registry, in a deterministic order (e.g. by id). */
  devices: readonly RolloutDevice[]
  /**
   * Cohort bucket of a device. Pass a `cohortBucketCache()` kept across decisions to hash each
   * device once instead of once per decision.
   * @default cohortBucket from node/plans
   */
  bucketOf?: BucketOf
}

function start (d: DecisionBuilder, selector: TargetSelector, devices: readonly RolloutDevice[]): void {
  const deadline = d.spec.promoteDeadlineMs
  if (deadline !== undefined && d.nowMs >= deadline) {
    d.moveTo('failed', { code: REASON.promoteDeadline, message: `the promote deadline (${new Date(deadline).toISOString()}) passed before the deployment started; nothing was published` })
    d.audit('failed')
    return
  }
  if (!devices.some(device => matchesTarget(selector, device))) {
    d.moveTo('failed', { code: REASON.noTargetDevices, message: `target '${d.spec.target}' matches none of the ${devices.length} registered devices; check the target (fleets devices list) and create the deployment again` })
    d.audit('failed')
    return
  }
  d.publish(0, false)
  d.moveTo('running', { code: REASON.started, message: `started with phase ${d.phases[0]?.name ?? '?'}` }, { phase: 0, phaseStartedMs: d.nowMs, startedMs: d.nowMs })
  d.audit('started', { strategy: d.spec.strategy, target: d.spec.target, phases: d.phases.map(p => p.name).join(' → ') })
  d.wakeAt(d.nowMs + Math.max(1, d.phases[0]?.durationMs ?? 0))
}

/**
 * Decides what the deployment does now. `reports` holds the latest persisted report of each
 * device for this deployment (reports for other deployments and unknown devices are ignored).
 * Terminal states decide nothing.
 */
export function decide (spec: DeploymentSpec, state: DeploymentState, reports: ReportsByDevice, ctx: RolloutContext): Decision {
  assert(state.deploymentId === spec.id, `state of deployment ${state.deploymentId} given with spec ${spec.id}`)
  const d = new DecisionBuilder(spec, rolloutPhases(spec), state, ctx.nowMs)
  if (TERMINAL_STATUSES.has(state.status)) return d.finish()
  const selector = parseTarget(spec.target)
  if (state.status === 'pending') start(d, selector, ctx.devices)
  const fleet = { selector, devices: ctx.devices, bucketOf: ctx.bucketOf ?? cohortBucket }
  if (state.status === 'rolling-back') stepRollback(d, fleet, reports)
  else stepForward(d, fleet, reports)
  return d.finish()
}
