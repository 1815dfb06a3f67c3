/**
 * A deployment's controller state (DESIGN "Deployment", state machine). Plain JSON, so the
 * coordinator persists it as is and a restarted coordinator resumes where it was.
 *
 *   pending → running ⇄ awaiting-approval → succeeded
 *   running | awaiting-approval ⇄ paused
 *   pending | running | awaiting-approval | paused | succeeded → rolling-back → rolled-back | failed
 */
import { HISTORY_MAX } from './constants.js'
import type { ReasonCode } from './constants.js'

export type DeploymentStatus =
  | 'pending' | 'running' | 'awaiting-approval' | 'paused' | 'succeeded' | 'rolling-back' | 'rolled-back' | 'failed'

/** Statuses `decide` never leaves by itself. */
export const TERMINAL_STATUSES: ReadonlySet<DeploymentStatus> = new Set(['succeeded', 'rolled-back', 'failed'])

export interface DeploymentReason {
  code: ReasonCode
  /** For people: what was measured and what to do. */
  message: string
}

export interface Transition {
  atMs: number
  from: DeploymentStatus
  to: DeploymentStatus
  /** Forward phase after the transition. */
  phase: number
  planSeq: number
  reason: DeploymentReason
}

export interface RollbackProgress {
  mode: 'immediate' | 'gradual'
  /** Phase index whose cohort the last rollback plan covers. */
  step: number
  startedMs: number
  stepStartedMs: number
}

export interface DeploymentState {
  deploymentId: string
  status: DeploymentStatus
  /** Index of the furthest forward phase published (0 before the start). */
  phase: number
  phaseStartedMs: number | null
  startedMs: number | null
  /** Seq of the last plan emitted; 0 when none was. Every plan is exactly one above the one before. */
  planSeq: number
  /** Why the deployment is in its status; null while pending. */
  reason: DeploymentReason | null
  /** Consecutive evaluations without a verdict past the phase duration. */
  inconclusiveCount: number
  lastEvaluationMs: number | null
  /** The circuit breaker ignores failures reported (device `sentMs`) before this: set on resume. */
  breakerResetMs: number
  /** Status to return to on resume. */
  pausedFrom: 'pending' | 'running' | 'awaiting-approval' | null
  rollback: RollbackProgress | null
  /** The last HISTORY_MAX transitions, oldest first. */
  history: Transition[]
}

export function initialDeploymentState (deploymentId: string): DeploymentState {
  return {
    deploymentId,
    status: 'pending',
    phase: 0,
    phaseStartedMs: null,
    startedMs: null,
    planSeq: 0,
    reason: null,
    inconclusiveCount: 0,
    lastEvaluationMs: null,
    breakerResetMs: 0,
    pausedFrom: null,
    rollback: null,
    history: []
  }
}

/** Appends a transition, keeping the last HISTORY_MAX. */
export function withTransition (history: readonly Transition[], entry: Transition): Transition[] {
  const kept = history.length >= HISTORY_MAX ? history.slice(history.length - HISTORY_MAX + 1) : history
  return [...kept, entry]
}
