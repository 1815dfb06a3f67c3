/**
 * Rollback triggers and the circuit breaker, evaluated over one Observation.
 *
 * - error_rate: failing / devices with a verdict (failing: an error code, a crash loop, or UNHEALTHY on the new version);
 * - crash_loop: crash-looping / devices with a verdict;
 * - cpu_usage, custom:NAME: mean of metric `cpu_usage` / `NAME` over devices on the new version that report it.
 *
 * A trigger needs `min(minSamples, devices of the cohort that can still report)` samples before it may fire or pass;
 * with fewer it is `insufficient`, which holds the phase (and counts toward inconclusive).
 */
import type { Observation } from './observe.js'
import type { DeploymentSpec, RollbackTrigger } from './spec.js'

export interface TriggerVerdict {
  trigger: RollbackTrigger
  /** The measured value; null when there is nothing to measure. */
  value: number | null
  samples: number
  required: number
  status: 'fired' | 'quiet' | 'insufficient'
}

/** The metric name a trigger reads from reports, or null for the rates computed from health. */
export function triggerMetricName (metric: string): string | null {
  if (metric === 'cpu_usage') return 'cpu_usage'
  if (metric.startsWith('custom:')) return metric.slice('custom:'.length)
  return null
}

function measure (metric: string, o: Observation): { value: number | null, samples: number } {
  if (metric === 'error_rate') return { value: o.verdicts === 0 ? null : o.failing / o.verdicts, samples: o.verdicts }
  if (metric === 'crash_loop') return { value: o.verdicts === 0 ? null : o.crashLooping / o.verdicts, samples: o.verdicts }
  const acc = o.metrics.get(triggerMetricName(metric) ?? '')
  if (acc === undefined || acc.count === 0) return { value: null, samples: 0 }
  return { value: acc.sum / acc.count, samples: acc.count }
}

export function evaluateTriggers (spec: DeploymentSpec, o: Observation): TriggerVerdict[] {
  return spec.triggers.map(trigger => {
    const { value, samples } = measure(trigger.metric, o)
    const required = Math.min(trigger.minSamples, o.cohortReachable)
    if (samples < required) return { trigger, value, samples, required, status: 'insufficient' }
    const status = value !== null && value > trigger.threshold ? 'fired' : 'quiet'
    return { trigger, value, samples, required, status }
  })
}

/** For people: `error_rate 0.25 > 0.05 over 8 devices`. */
export function describeVerdict (v: TriggerVerdict): string {
  const value = v.value === null ? 'no value' : String(Math.round(v.value * 10_000) / 10_000)
  if (v.status === 'insufficient') return `${v.trigger.metric}: ${v.samples} of ${v.required} samples needed`
  return `${v.trigger.metric} ${value} ${v.status === 'fired' ? '>' : '<='} ${v.trigger.threshold} over ${v.samples} devices`
}

export interface BreakerVerdict {
  tripped: boolean
  /** Failures considered (sent at or after `ignoreBeforeMs`). */
  failures: number
  fromMs: number | null
  toMs: number | null
}

/**
 * True when `failuresMax` failures were sent within `windowMs` of each other. Device send times
 * (not arrival times) are used on purpose: reports held in an outbox through a partition
 * arrive together, and that burst of arrivals is not a burst of failures.
 */
export function circuitBreaker (breaker: { failuresMax: number, windowMs: number }, failureSentMs: readonly number[], ignoreBeforeMs: number): BreakerVerdict {
  const times = failureSentMs.filter(t => t >= ignoreBeforeMs).sort((a, b) => a - b)
  const span = breaker.failuresMax - 1
  for (let i = 0; i + span < times.length; i++) {
    const from = times[i] ?? 0
    const to = times[i + span] ?? 0
    if (to - from <= breaker.windowMs) return { tripped: true, failures: times.length, fromMs: from, toMs: to }
  }
  return { tripped: false, failures: times.length, fromMs: null, toMs: null }
}
