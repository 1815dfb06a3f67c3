/**
 * Rolling forward: each phase waits for its duration, then passes when its gate is met and
 * every trigger has enough samples and is quiet. A fired trigger rolls back, clustered failures
 * trip the circuit breaker (pause), and evaluations without a verdict past the duration pause
 * the deployment as inconclusive — for a person to decide, never an abort.
 */
import { ok as assert } from 'node:assert'
import { REASON } from './constants.js'
import { observe } from './observe.js'
import { beginRollback } from './rollback-flow.js'
import { circuitBreaker, describeVerdict, evaluateTriggers, triggerMetricName } from './triggers.js'
import type { DecisionBuilder } from './actions.js'
import type { FleetView, Observation, ReportsByDevice } from './observe.js'
import type { RolloutPhase } from './phases.js'
import type { DeploymentSpec } from './spec.js'
import type { DeploymentReason } from './state.js'
import type { TriggerVerdict } from './triggers.js'

/** `ceil(count × percent / 100)`, immune to 0.1 + 0.2 style rounding. */
function shareOf (count: number, percent: number): number {
  return Math.ceil(Math.round(count * percent * 100) / 10_000)
}

interface GateVerdict { ready: boolean, why: string }

/** The phase's own condition (phases.ts PhaseGate); the last phase also needs `successPercent` of the targeted devices healthy. */
export function checkGate (spec: DeploymentSpec, phase: RolloutPhase, isLast: boolean, o: Observation): GateVerdict {
  const success = isLast ? shareOf(o.targeted, spec.successPercent) : 0
  switch (phase.gate) {
    case 'healthy': {
      // Evidence from the phase's own devices: the canaries of the phases before do not vouch for the new ones.
      const needed = Math.min(phase.minSamples, o.slice)
      const ready = o.sliceHealthy >= needed && o.healthy >= success
      const why = `${o.sliceHealthy} of the phase's ${o.slice} devices healthy on ${spec.version}, ${needed} needed` +
        (isLast ? `; ${o.healthy} of ${o.targeted} targeted devices healthy, ${success} needed to succeed` : '')
      return { ready, why }
    }
    case 'staged': {
      const percent = spec.strategy === 'blue-green' ? spec.blueGreen.stagedPercent : 100
      const needed = shareOf(o.cohort, percent)
      return { ready: o.staged >= needed, why: `${o.staged} of ${o.cohort} devices have a healthy standby of ${spec.version}, ${needed} needed` }
    }
    case 'available': {
      const percent = spec.strategy === 'rolling' ? spec.rolling.maxUnavailablePercent : 0
      const maxUnavailable = Math.floor(Math.round(o.targeted * percent * 100) / 10_000)
      const unavailable = o.cohort - o.healthy
      const ready = isLast
        ? unavailable <= maxUnavailable && o.healthy >= success
        : unavailable === 0 || unavailable + o.nextBatch <= maxUnavailable
      const why = isLast
        ? `${o.healthy} of ${o.cohort} devices healthy on ${spec.version}, ${success} needed, at most ${maxUnavailable} unavailable`
        : `${unavailable} device(s) updating or unhealthy; the next batch adds ${o.nextBatch}, at most ${maxUnavailable} may be unavailable`
      return { ready, why }
    }
  }
}

export function pauseWith (d: DecisionBuilder, reason: DeploymentReason, extra: Record<string, string | number | boolean | null> = {}): void {
  const from = d.state.status
  assert(from === 'pending' || from === 'running' || from === 'awaiting-approval', `cannot pause from ${from}`)
  d.moveTo('paused', reason, { pausedFrom: from })
  d.audit('paused', extra)
}

/** Publishes the next phase, or succeeds after the last one. */
export function advance (d: DecisionBuilder, reason: DeploymentReason): void {
  const next = d.state.phase + 1
  if (next >= d.phases.length) {
    d.moveTo('succeeded', reason, { inconclusiveCount: 0, lastEvaluationMs: null })
    d.audit('succeeded', { durationMs: d.nowMs - (d.state.startedMs ?? d.nowMs) })
    return
  }
  d.patch({ phase: next })
  d.publish(next, false)
  d.moveTo('running', reason, { phaseStartedMs: d.nowMs, inconclusiveCount: 0, lastEvaluationMs: null })
  d.audit('phase-advanced')
  d.wakeAt(d.nowMs + Math.max(1, d.phases[next]?.durationMs ?? 0)) // a 0 ms phase may pass on the reports already in
}

function passPhase (d: DecisionBuilder, phase: RolloutPhase, why: string): void {
  const reason = { code: REASON.phasePassed, message: `phase ${phase.name} passed: ${why}` }
  if (phase.validation === 'manual') {
    d.moveTo('awaiting-approval', reason, { inconclusiveCount: 0, lastEvaluationMs: null })
    d.audit('awaiting-approval')
    return
  }
  advance(d, reason)
}

function evaluatePhase (d: DecisionBuilder, phase: RolloutPhase, isLast: boolean, o: Observation, verdicts: readonly TriggerVerdict[]): void {
  const s = d.state
  const endsMs = (s.phaseStartedMs ?? d.nowMs) + phase.durationMs
  if (d.nowMs < endsMs) {
    d.wakeAt(endsMs)
    return
  }
  const gate = checkGate(d.spec, phase, isLast, o)
  const waiting = verdicts.filter(v => v.status === 'insufficient')
  if (gate.ready && waiting.length === 0) {
    passPhase(d, phase, [gate.why, ...verdicts.map(describeVerdict)].join('; '))
    return
  }
  // Count at most one evaluation per interval, however often decide runs (see constants.ts).
  const last = s.lastEvaluationMs
  if (last !== null && d.nowMs - last < d.spec.evaluationIntervalMs) {
    d.wakeAt(last + d.spec.evaluationIntervalMs)
    return
  }
  const count = s.inconclusiveCount + 1
  const why = [...(gate.ready ? [] : [gate.why]), ...waiting.map(describeVerdict)].join('; ')
  if (count >= d.spec.consecutiveInconclusiveMax) {
    d.patch({ inconclusiveCount: count, lastEvaluationMs: d.nowMs })
    pauseWith(d, { code: REASON.inconclusive, message: `phase ${phase.name}: ${count} evaluations without a verdict (${why}); check the devices, then resume, promote or roll back` })
    return
  }
  d.patch({ inconclusiveCount: count, lastEvaluationMs: d.nowMs })
  d.wakeAt(d.nowMs + d.spec.evaluationIntervalMs)
}

export function stepForward (d: DecisionBuilder, fleet: FleetView, reports: ReportsByDevice): void {
  const spec = d.spec
  const phase = d.phases[d.state.phase]
  assert(phase !== undefined, `deployment ${spec.id} is at phase ${d.state.phase} of ${d.phases.length}: the state does not belong to this spec`)
  const next = d.phases[d.state.phase + 1]
  const metricNames = spec.triggers.flatMap(t => triggerMetricName(t.metric) ?? [])
  const before = d.phases[d.state.phase - 1]?.basisPoints ?? 0
  const sliceBasisPoints = before < phase.basisPoints ? before : 0 // blue-green's switch re-plans the same devices
  const o = observe(spec, fleet, reports, { cohortBasisPoints: phase.basisPoints, sliceBasisPoints, nextBasisPoints: next?.basisPoints ?? phase.basisPoints, metricNames: [...new Set(metricNames)] })

  if (spec.promoteDeadlineMs !== undefined && next !== undefined) {
    if (d.nowMs >= spec.promoteDeadlineMs) {
      beginRollback(d, 'immediate', { code: REASON.promoteDeadline, message: `not promoted past phase ${phase.name} by the deadline (${new Date(spec.promoteDeadlineMs).toISOString()})` })
      return
    }
    d.wakeAt(spec.promoteDeadlineMs)
  }
  const verdicts = evaluateTriggers(spec, o)
  const fired = verdicts.find(v => v.status === 'fired')
  if (fired !== undefined) {
    const rate = fired.trigger.metric === 'error_rate' || fired.trigger.metric === 'crash_loop'
    const sample = rate && o.failingSample.length > 0 ? `; failing devices include ${o.failingSample.join(', ')}` : ''
    beginRollback(d, fired.trigger.action, { code: REASON.trigger, message: `${describeVerdict(fired)}${sample}` }, { metric: fired.trigger.metric, value: fired.value, threshold: fired.trigger.threshold, samples: fired.samples })
    return
  }
  if (spec.circuitBreaker !== undefined && d.state.status !== 'paused') {
    const b = circuitBreaker(spec.circuitBreaker, o.failureSentMs, d.state.breakerResetMs)
    if (b.tripped) {
      pauseWith(d, { code: REASON.circuitBreaker, message: `${spec.circuitBreaker.failuresMax} devices failed within ${spec.circuitBreaker.windowMs} ms of each other (reports sent ${b.fromMs ?? '?'}–${b.toMs ?? '?'}); propagation stopped: check the failures, then resume or roll back` }, { failures: b.failures })
      return
    }
  }
  if (d.state.status === 'running') evaluatePhase(d, phase, next === undefined, o, verdicts)
}
