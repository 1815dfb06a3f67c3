/**
 * The rollout controller (DESIGN "Deployment", flow 3): pure, deterministic logic that turns a
 * deployment spec, its state, the latest **persisted** device reports, the registry and the
 * time into the next state and a list of actions (publish a plan, write an audit entry, wake me
 * at). No I/O, no clock, no timers, no randomness: the coordinator runs it on each report and
 * on `wake-at`, the simulator runs the same code for 10,000 devices. A decision is O(devices)
 * and iterates in the registry's order.
 *
 * Every strategy is a list of cumulative phases (canary phases, rolling batches, blue-green
 * stage then switch, one phase for all-at-once). A phase passes when its duration is over, its
 * gate holds (enough devices healthy on the new version — or staged, or available), and every
 * rollback trigger has its minimum sample and is quiet. A fired trigger rolls back (immediate
 * or gradual), clustered failures trip the circuit breaker (pause), evaluations without a
 * verdict past the duration pause as inconclusive, and a missed promote deadline rolls back.
 *
 * @example
 * ```ts
 * import { decide, initialDeploymentState, parseDeploymentSpec, promote } from './coordinator/rollout/index.js'
 * import type { ReportsByDevice, RolloutDevice } from './coordinator/rollout/index.js'
 *
 * const spec = parseDeploymentSpec({
 *   id: 'dep-1', app: 'edge-app', version: '2.0.0', rollbackTo: '1.9.0', target: 'group:berlin',
 *   strategy: 'canary', canary: { initialPercent: 5, incrementPercent: 15, intervalMs: 600_000 },
 *   triggers: [{ metric: 'error_rate', threshold: 0.05, minSamples: 10, action: 'immediate' }]
 * })
 * const devices: RolloutDevice[] = [{ id: 'dev-1', labels: {}, groups: ['berlin'] }]
 * const reports: ReportsByDevice = new Map()
 * let state = initialDeploymentState(spec.id)
 * const first = decide(spec, state, reports, { nowMs: 1_700_000_000_000, devices })
 * state = first.state // 'running'; first.actions: publish-plan seq 1 phase 0, audit 'started', wake-at
 * for (const action of first.actions) if (action.type === 'publish-plan') console.log(action.seq, action.phaseBasisPoints)
 * if (state.status === 'awaiting-approval') state = promote(spec, state, { nowMs: 1_700_000_900_000 }).state
 * ```
 */
export { decide } from './decide.js'
export type { RolloutContext } from './decide.js'
export { pause, promote, resume, rollback } from './commands.js'
export type { CommandOptions, RollbackOptions } from './commands.js'
export { deploymentSpecSchema, parseDeploymentSpec, phaseSchema, canaryStepsSchema, triggerSchema, TRIGGER_METRIC_PATTERN } from './spec.js'
export type { DeploymentSpec, DeploymentSpecInput, RollbackTrigger, Strategy } from './spec.js'
export { initialDeploymentState, TERMINAL_STATUSES } from './state.js'
export type { DeploymentReason, DeploymentState, DeploymentStatus, RollbackProgress, Transition } from './state.js'
export type { AuditAction, AuditDetail, AuditEvent, Decision, PublishPlanAction, RolloutAction, WakeAtAction } from './actions.js'
export { rolloutPhases } from './phases.js'
export type { PhaseGate, RolloutPhase } from './phases.js'
export { matchesTarget, parseTarget } from './target.js'
export type { RolloutDevice, TargetSelector } from './target.js'
export { observe } from './observe.js'
export type { FleetView, Observation, ReportsByDevice, RolloutReport } from './observe.js'
export { cohortBucketCache } from './bucket-cache.js'
export type { BucketOf } from './bucket-cache.js'
export { circuitBreaker, evaluateTriggers } from './triggers.js'
export type { BreakerVerdict, TriggerVerdict } from './triggers.js'
export { DeploymentCommandError, DeploymentSpecError } from './errors.js'
export type { DeploymentSpecIssue } from './errors.js'
export * from './constants.js'
