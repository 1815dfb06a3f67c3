import {
  ATTEMPTS_KEPT_MAX, PENALTY_ATTEMPTS, PENALTY_BURST_ATTEMPTS, PENALTY_BURST_WINDOW_MS, RETRY_BACKOFF_MS_BASE, RETRY_BACKOFF_MS_MAX
} from './constants.js'
import type { VersionFailures } from './agent-state.js'

/**
 * Records a failed attempt of a version (pure): the next attempt waits a doubling backoff, and
 * after PENALTY_ATTEMPTS failures, or PENALTY_BURST_ATTEMPTS within the burst window, the
 * version goes to the penalty box for `penaltyMs`. A penalty that has expired allows exactly
 * one new attempt; its failure puts the version back in the box.
 */
export function recordFailure (previous: VersionFailures | undefined, error: string, nowMs: number, penaltyMs: number): VersionFailures {
  const attemptsMs = [...previous?.attemptsMs ?? [], nowMs].slice(-ATTEMPTS_KEPT_MAX)
  const burst = attemptsMs.filter(t => nowMs - t <= PENALTY_BURST_WINDOW_MS).length
  const backoffMs = Math.min(RETRY_BACKOFF_MS_MAX, RETRY_BACKOFF_MS_BASE * 2 ** (attemptsMs.length - 1))
  const penalized = attemptsMs.length >= PENALTY_ATTEMPTS || burst >= PENALTY_BURST_ATTEMPTS
  return {
    attemptsMs,
    lastError: error,
    retryAtMs: nowMs + (penalized ? penaltyMs : backoffMs),
    ...(penalized ? { penaltyUntilMs: nowMs + penaltyMs } : {})
  }
}

/** True while a version must not be tried (backing off or in the penalty box). */
export function isWaiting (failures: VersionFailures | undefined, nowMs: number): boolean {
  return failures != null && nowMs < failures.retryAtMs
}
