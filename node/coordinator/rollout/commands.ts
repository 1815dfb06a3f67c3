/**
 * Operator commands (`fleets deploy promote|pause|resume|rollback`) as pure functions with the
 * same result as `decide`. A command that does not apply to the status throws
 * `DeploymentCommandError` and changes nothing.
 */
import { DecisionBuilder } from './actions.js'
import { REASON } from './constants.js'
import { DeploymentCommandError } from './errors.js'
import { advance, pauseWith } from './forward.js'
import { rolloutPhases } from './phases.js'
import { beginRollback } from './rollback-flow.js'
import type { Decision } from './actions.js'
import type { RolloutContext } from './decide.js'
import type { DeploymentSpec } from './spec.js'
import type { DeploymentState } from './state.js'

export interface CommandOptions {
  /** Who acted, for the audit log. @default 'operator' */
  actor?: string
  /** Why, for the state and the audit log. */
  reason?: string
}

export interface RollbackOptions extends CommandOptions {
  /** @default 'immediate' */
  mode?: 'immediate' | 'gradual'
}

type CommandContext = Pick<RolloutContext, 'nowMs'>

function builder (spec: DeploymentSpec, state: DeploymentState, ctx: CommandContext, options: CommandOptions): DecisionBuilder {
  return new DecisionBuilder(spec, rolloutPhases(spec), state, ctx.nowMs, options.actor ?? 'operator')
}

function refuse (command: string, state: DeploymentState, what: string): never {
  throw new DeploymentCommandError(`cannot ${command} deployment ${state.deploymentId}: it is ${state.status}; ${what}`, command, state.status)
}

/**
 * Passes the current phase now: from `awaiting-approval` (manual validation) or `running`
 * (skipping the rest of the phase's wait). The next phase's plan is published, or the
 * deployment succeeds after the last phase.
 */
export function promote (spec: DeploymentSpec, state: DeploymentState, ctx: CommandContext, options: CommandOptions = {}): Decision {
  if (state.status !== 'awaiting-approval' && state.status !== 'running') refuse('promote', state, state.status === 'paused' ? 'resume it first' : 'only a running deployment or one awaiting approval can be promoted')
  const d = builder(spec, state, ctx, options)
  const phase = d.phases[state.phase]?.name ?? '?'
  d.audit('promoted', { promotedPhase: phase })
  advance(d, { code: REASON.operator, message: options.reason ?? `phase ${phase} promoted by ${d.actor}` })
  return d.finish()
}

/** Stops propagation: no further phase is published until `resume`. Triggers still roll back. */
export function pause (spec: DeploymentSpec, state: DeploymentState, ctx: CommandContext, options: CommandOptions = {}): Decision {
  if (state.status !== 'pending' && state.status !== 'running' && state.status !== 'awaiting-approval') refuse('pause', state, state.status === 'rolling-back' ? 'a rollback is not paused: it keeps devices safe' : 'only a pending, running or awaiting deployment can be paused')
  const d = builder(spec, state, ctx, options)
  pauseWith(d, { code: REASON.operator, message: options.reason ?? `paused by ${d.actor}` })
  return d.finish()
}

/**
 * Returns a paused deployment to where it was. Failures sent before now no longer count for
 * the circuit breaker, and the inconclusive count starts again.
 */
export function resume (spec: DeploymentSpec, state: DeploymentState, ctx: CommandContext, options: CommandOptions = {}): Decision {
  if (state.status !== 'paused') refuse('resume', state, 'only a paused deployment can be resumed')
  const d = builder(spec, state, ctx, options)
  d.moveTo(state.pausedFrom ?? 'running', { code: REASON.operator, message: options.reason ?? `resumed by ${d.actor}` }, {
    pausedFrom: null, inconclusiveCount: 0, lastEvaluationMs: null, breakerResetMs: ctx.nowMs
  })
  d.audit('resumed')
  d.wakeAt(ctx.nowMs + 1)
  return d.finish()
}

/**
 * Rolls the deployment back (`reason` is recorded). A deployment that published nothing is
 * rolled back at once; a gradual rollback in progress can be made immediate.
 */
export function rollback (spec: DeploymentSpec, state: DeploymentState, ctx: CommandContext, reason: string, options: RollbackOptions = {}): Decision {
  const d = builder(spec, state, ctx, options)
  const why = { code: REASON.operator, message: `${reason} (rollback by ${d.actor})` }
  const mode = options.mode ?? 'immediate'
  if (state.status === 'rolled-back') refuse('roll back', state, 'there is nothing left to roll back')
  if (spec.rollbackTo === undefined && state.planSeq > 0) refuse('roll back', state, 'the deployment has no rollbackTo, so there is no version to return to; pause it or deploy a fixed version')
  if (state.status === 'rolling-back') {
    const rb = state.rollback
    if (rb === null || rb.mode === 'immediate' || mode === 'gradual') refuse('roll back', state, 'the rollback is in progress (an immediate rollback can replace a gradual one)')
    d.publish(state.phase, true)
    d.patch({ rollback: { ...rb, mode: 'immediate', step: state.phase, stepStartedMs: ctx.nowMs } })
    d.audit('rollback-escalated', { rollbackStep: state.phase, requested: why.message })
    return d.finish()
  }
  if (state.planSeq === 0) {
    d.moveTo('rolled-back', why)
    d.audit('rolled-back', { published: false })
    return d.finish()
  }
  beginRollback(d, mode, why)
  return d.finish()
}
