/**
 * Rolling back: an `immediate` rollback sends one plan to every device that may have taken the
 * version (the cohort of the furthest phase reached); a `gradual` one sends the rollback
 * version through the same cohorts in order, each step waiting until its devices no longer
 * report the new version. A rollback completes when no device of the furthest cohort reports
 * the new version — read from persisted reports, never assumed after a delay.
 */
import { ok as assert } from 'node:assert'
import { REASON } from './constants.js'
import { matchesTarget } from './target.js'
import type { DecisionBuilder } from './actions.js'
import type { RolloutPhase } from './phases.js'
import type { FleetView, ReportsByDevice } from './observe.js'
import type { DeploymentReason } from './state.js'

/** Phase indexes a gradual rollback goes through: one per distinct cohort, the last being `furthest`. */
export function rollbackSteps (phases: readonly RolloutPhase[], furthest: number): number[] {
  const steps: number[] = []
  for (let i = 0; i <= furthest; i++) {
    const here = phases[i]?.basisPoints ?? 0
    const next = phases[i + 1]?.basisPoints ?? Number.POSITIVE_INFINITY
    if (i === furthest || here < next) steps.push(i)
  }
  return steps
}

/**
 * Starts a rollback. Without `rollbackTo` there is no version to return to (devices tell a
 * rollback plan by its rollback_to), so an automatic rollback pauses instead: a person decides.
 */
export function beginRollback (d: DecisionBuilder, mode: 'immediate' | 'gradual', reason: DeploymentReason, extra: Record<string, string | number | boolean | null> = {}): void {
  if (d.spec.rollbackTo === undefined) {
    const status = d.state.status
    if (status === 'pending' || status === 'running' || status === 'awaiting-approval') {
      d.moveTo('paused', { code: reason.code, message: `${reason.message}; the deployment has no rollbackTo, so it is paused instead of rolled back: deploy a fixed version or remove the app` }, { pausedFrom: status })
      d.audit('paused', extra)
    }
    return
  }
  const furthest = d.state.phase
  const step = mode === 'gradual' ? (rollbackSteps(d.phases, furthest)[0] ?? furthest) : furthest
  d.publish(step, true)
  d.moveTo('rolling-back', reason, { rollback: { mode, step, startedMs: d.nowMs, stepStartedMs: d.nowMs }, pausedFrom: null })
  d.audit('rollback-started', { mode, rollbackStep: step, ...extra })
  d.wakeAt(d.nowMs + d.spec.rollbackTimeoutMs)
}

/** Cohort buckets of the targeted devices whose latest report shows the new version. */
function bucketsOnNewVersion (d: DecisionBuilder, fleet: FleetView, reports: ReportsByDevice): number[] {
  const buckets: number[] = []
  for (const device of fleet.devices) {
    const report = reports.get(device.id)
    if (report === undefined || report.deploymentId !== d.spec.id || report.appVersion !== d.spec.version) continue
    if (matchesTarget(fleet.selector, device)) buckets.push(fleet.bucketOf(d.spec.id, device.id))
  }
  return buckets
}

export function stepRollback (d: DecisionBuilder, fleet: FleetView, reports: ReportsByDevice): void {
  const rb = d.state.rollback
  assert(rb !== null, `deployment ${d.spec.id} is rolling back without rollback progress: the state was edited`)
  const buckets = bucketsOnNewVersion(d, fleet, reports)
  const remaining = (step: number): number => {
    const limit = d.phases[step]?.basisPoints ?? 0
    return buckets.reduce((n, b) => b < limit ? n + 1 : n, 0)
  }
  const furthest = d.state.phase
  if (remaining(rb.step) === 0) {
    if (rb.step >= furthest) {
      d.moveTo('rolled-back', { code: REASON.rollbackComplete, message: `no device of the deployment reports ${d.spec.version} any more` })
      d.audit('rolled-back', { rollbackMs: d.nowMs - rb.startedMs })
      return
    }
    // Skip steps with nothing to wait for, but always publish the step reached: devices told to
    // update may not have reported yet, and only a plan stops them.
    const later = rollbackSteps(d.phases, furthest).filter(s => s > rb.step)
    const step = later.find(s => remaining(s) > 0) ?? furthest
    d.publish(step, true)
    d.patch({ rollback: { ...rb, step, stepStartedMs: d.nowMs } })
    d.audit('rollback-step', { rollbackStep: step, remaining: remaining(step) })
    d.wakeAt(rb.startedMs + d.spec.rollbackTimeoutMs)
    if (rb.mode === 'gradual') d.wakeAt(d.nowMs + d.spec.gradualStepTimeoutMs)
    return
  }
  if (d.nowMs >= rb.startedMs + d.spec.rollbackTimeoutMs) {
    const left = remaining(furthest)
    d.moveTo('failed', { code: REASON.rollbackTimeout, message: `${left} device(s) still report ${d.spec.version} ${d.spec.rollbackTimeoutMs} ms after the rollback started; check them (offline? refusing the plan?) — the rollback plan stays published` })
    d.audit('failed', { remaining: left })
    return
  }
  if (rb.mode === 'gradual' && rb.step < furthest && d.nowMs >= rb.stepStartedMs + d.spec.gradualStepTimeoutMs) {
    d.publish(furthest, true)
    d.patch({ rollback: { ...rb, mode: 'immediate', step: furthest, stepStartedMs: d.nowMs } })
    d.audit('rollback-escalated', { rollbackStep: furthest, stuck: remaining(rb.step) })
  } else if (rb.mode === 'gradual' && rb.step < furthest) {
    d.wakeAt(rb.stepStartedMs + d.spec.gradualStepTimeoutMs)
  }
  d.wakeAt(rb.startedMs + d.spec.rollbackTimeoutMs)
}
