/**
 * What a decision asks the coordinator to do (STYLE rule 4: a pure planner emits steps, an
 * executor table runs them). `decide` and the operator commands build these; nothing here
 * does I/O.
 */
import { ok as assert } from 'node:assert'
import { withTransition } from './state.js'
import type { RolloutPhase } from './phases.js'
import type { DeploymentSpec } from './spec.js'
import type { DeploymentReason, DeploymentState, DeploymentStatus } from './state.js'

/**
 * Sign and gossip a plan for the deployment. Devices whose cohort bucket is below
 * `phaseBasisPoints[phase]` (and that match the spec's target) run `version`:
 * - `rollback: false`: the new version (`standby: true`: installed and started beside the live
 *   one, not switched to — blue-green's stage phase);
 * - `rollback: true`: `spec.rollbackTo` — the signed Plan carries `rollback_to` only then, which
 *   is how node/plans tells a rollback plan from a forward one.
 * Devices outside the cohort keep what they run. `seq` is `state.planSeq`, one above the last plan's.
 */
export interface PublishPlanAction {
  type: 'publish-plan'
  seq: number
  phase: number
  phaseBasisPoints: number[]
  rollback: boolean
  standby?: boolean
  /** The version devices in the cohort are to run. */
  version: string
}

export type AuditEvent =
  | 'started' | 'phase-advanced' | 'awaiting-approval' | 'promoted' | 'paused' | 'resumed' | 'succeeded'
  | 'rollback-started' | 'rollback-step' | 'rollback-escalated' | 'rolled-back' | 'failed'

export type AuditDetail = Record<string, string | number | boolean | null>

/** Append to the audit log. `detail` always has deploymentId, app, version, status, phase, planSeq, actor and reason. */
export interface AuditAction {
  type: 'audit'
  event: AuditEvent
  detail: AuditDetail
}

/**
 * Run `decide` again at `atMs` even if no report arrives: the earliest time at which time alone
 * can change the decision (a phase's end, the next evaluation, a deadline, a timeout). At most
 * one per decision, always last; absent when only reports can change anything.
 */
export interface WakeAtAction {
  type: 'wake-at'
  atMs: number
}

export type RolloutAction = PublishPlanAction | AuditAction | WakeAtAction

export interface Decision {
  state: DeploymentState
  actions: RolloutAction[]
}

/** Builds one decision: the state evolves by copies, actions accumulate in order. */
export class DecisionBuilder {
  state: DeploymentState
  private readonly actions: RolloutAction[] = []
  private wakeAtMs = Number.POSITIVE_INFINITY

  constructor (readonly spec: DeploymentSpec, readonly phases: readonly RolloutPhase[], state: DeploymentState, readonly nowMs: number, readonly actor = 'controller') {
    this.state = state
  }

  patch (fields: Partial<DeploymentState>): void {
    this.state = { ...this.state, ...fields }
  }

  /** Emits the plan for `phase`, with the next seq. */
  publish (phase: number, rollback: boolean): void {
    const version = rollback ? this.spec.rollbackTo : this.spec.version
    assert(version !== undefined, `deployment ${this.spec.id} has no rollbackTo: a rollback plan cannot be built`)
    const seq = this.state.planSeq + 1
    const standby = !rollback && (this.phases[phase]?.standby ?? false)
    this.patch({ planSeq: seq })
    this.actions.push({
      type: 'publish-plan',
      seq,
      phase,
      phaseBasisPoints: this.phases.map(p => p.basisPoints),
      rollback,
      ...(standby ? { standby: true } : {}),
      version
    })
  }

  /** Changes status (or records a phase change within one), with history. */
  moveTo (status: DeploymentStatus, reason: DeploymentReason, fields: Partial<DeploymentState> = {}): void {
    const from = this.state.status
    this.patch({ ...fields, status, reason })
    this.patch({ history: withTransition(this.state.history, { atMs: this.nowMs, from, to: status, phase: this.state.phase, planSeq: this.state.planSeq, reason }) })
  }

  audit (event: AuditAction['event'], extra: AuditDetail = {}): void {
    const s = this.state
    this.actions.push({
      type: 'audit',
      event,
      detail: {
        deploymentId: this.spec.id,
        app: this.spec.app,
        version: this.spec.version,
        rollbackTo: this.spec.rollbackTo ?? null,
        status: s.status,
        phase: s.phase,
        phaseName: this.phases[s.phase]?.name ?? null,
        planSeq: s.planSeq,
        actor: this.actor,
        reasonCode: s.reason?.code ?? null,
        reason: s.reason?.message ?? null,
        ...extra
      }
    })
  }

  /** Asks to be woken at `atMs` if it is in the future and earlier than what was asked so far. */
  wakeAt (atMs: number): void {
    if (atMs > this.nowMs && atMs < this.wakeAtMs) this.wakeAtMs = atMs
  }

  finish (): Decision {
    const actions = Number.isFinite(this.wakeAtMs) ? [...this.actions, { type: 'wake-at' as const, atMs: this.wakeAtMs }] : this.actions
    return { state: this.state, actions }
  }
}
