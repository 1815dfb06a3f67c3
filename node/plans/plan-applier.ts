import { createHash } from 'node:crypto'
import { decodePlan, decodeSignedPlan, Health } from '../../proto/index.js'
import { StepFailedError } from '../agent/index.js'
import { HealthCheckFailedError } from '../runtime/health/index.js'
import { agentAppFromPlan } from './app-conversion.js'
import { inCohort } from './cohort.js'
import { REJECTION_KEYS_MAX, REJECTION_REPORT_INTERVAL_MS, STEP_STAGE } from './constants.js'
import { PlanInvalidError, PlanRejectedError } from './errors.js'
import { matchesTarget, parseTarget } from './target-selector.js'
import type { AgentApp } from './app-conversion.js'
import type { ApplyOutcome, PlanApplierComponents, PlanRejection } from './index.js'
import type { AgentEvent } from '../agent/index.js'
import type { Logger } from '../logging/index.js'
import type { Plan } from '../../proto/index.js'

/** Codes of agent failures, by the step that failed (the agent's event carries the message only). */
const STEP_FAILED_CODE = StepFailedError.code
const HEALTH_FAILED_CODE = HealthCheckFailedError.code

/**
 * Carries out verified plans on this device: is it targeted, is it in the current cohort
 * phase, then the agent gets the app (`setApp`). Every decision is recorded against the
 * plan's seq in the store, so a plan is acted on once. Reports go to the outbox: the target
 * being set, what the agent then did ('updated', 'update-failed'), plans this device cannot
 * carry out (FLEET_ERR_PLAN_INVALID) and plans it refused to trust (FLEET_ERR_PLAN_REJECTED).
 */
export class PlanApplier {
  private readonly log: Logger
  private queue: Promise<unknown> = Promise.resolve()
  private unsubscribe?: () => void
  private readonly rejectionsReportedMs = new Map<string, number>()

  constructor (private readonly c: PlanApplierComponents) {
    this.log = c.logger.forComponent('fleet:plans')
  }

  start (): void {
    if (this.unsubscribe != null) return
    this.unsubscribe = this.c.agentEvents?.onEvent(event => {
      this.onAgentEvent(event).catch((err: unknown) => { this.log.error('cannot report agent event %s: %s', event.type, (err as Error).message) })
    }) ?? (() => {})
  }

  stop (): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
  }

  /** Acts on one verified plan (calls are queued: one plan at a time). */
  async apply (plan: Plan): Promise<ApplyOutcome> {
    const run = this.queue.then(async () => await this.applyNow(plan))
    this.queue = run.catch(() => {})
    return await run
  }

  /** Acts on every held, unexpired plan newer than what was applied (after a restart, a crash between store and apply). */
  async reconcile (): Promise<ApplyOutcome[]> {
    const nowMs = this.c.clock.nowMs()
    const due = this.c.store.list()
      .filter(h => h.expiresMs > nowMs && h.seq > (this.c.store.applied(h.deploymentId)?.seq ?? 0))
      .sort((a, b) => a.issuedMs - b.issuedMs)
    const outcomes: ApplyOutcome[] = []
    for (const held of due) outcomes.push(await this.apply(decodePlan(decodeSignedPlan(held.bytes).plan)))
    return outcomes
  }

  /** Reports a refused plan (rate-limited per reason, deployment and seq: a replaying peer cannot flood the outbox). */
  async reportRejection (rejection: PlanRejection): Promise<boolean> {
    if (rejection.source === 'local') return false
    const key = `${rejection.reason}/${rejection.deploymentId ?? ''}/${rejection.seq ?? ''}`
    const nowMs = this.c.clock.nowMs()
    const last = this.rejectionsReportedMs.get(key)
    if (last !== undefined && nowMs - last < REJECTION_REPORT_INTERVAL_MS) return false
    this.rejectionsReportedMs.delete(key)
    this.rejectionsReportedMs.set(key, nowMs)
    if (this.rejectionsReportedMs.size > REJECTION_KEYS_MAX) this.rejectionsReportedMs.delete(this.rejectionsReportedMs.keys().next().value ?? '')
    await this.c.outbox.append({
      deploymentId: rejection.deploymentId ?? '', planSeq: rejection.seq ?? 0, step: 'verify', health: Health.UNKNOWN,
      errorCode: PlanRejectedError.code, errorMessage: `${rejection.reason}: ${rejection.message}`
    })
    return true
  }

  private async applyNow (plan: Plan): Promise<ApplyOutcome> {
    const previous = this.c.store.applied(plan.deploymentId)
    if (previous != null && plan.seq <= previous.seq) return { kind: 'skipped', reason: 'already-applied' }
    const device = this.c.device()
    let app: AgentApp
    try {
      if (!matchesTarget(parseTarget(plan.cohort?.target ?? ''), device)) return await this.skip(plan, 'not-targeted')
      const cohort = plan.cohort
      if (cohort == null || !inCohort(cohort.phaseBasisPoints, cohort.currentPhase, plan.deploymentId, device.id)) return await this.skip(plan, 'not-in-cohort')
      app = agentAppFromPlan(plan, this.c.manifestFor)
    } catch (err) {
      if (!(err instanceof PlanInvalidError)) throw err
      return await this.fail(plan, err.code, err.message, true)
    }
    if (plan.standby === true && !app.rollback) return await this.stage(plan, app)
    const fingerprint = createHash('sha256').update(JSON.stringify([app.spec, app.manifest])).digest('hex').slice(0, 32)
    const record = { seq: plan.seq, outcome: 'applied' as const, app: app.spec.name, version: app.version, fingerprint, atMs: this.c.clock.nowMs() }
    // A later phase of the same deployment changes nothing for a device already in it: giving
    // the agent the same target again would clear a failed version's backoff.
    if (previous?.fingerprint === fingerprint) {
      await this.c.store.setApplied(plan.deploymentId, record)
      return { kind: 'applied', app: app.spec.name, version: app.version, rollback: app.rollback, unchanged: true }
    }
    try {
      await this.c.setApp(app.spec, app.manifest)
    } catch (err) {
      const e = err as Error & { code?: string }
      // The agent refused the target (a bad spec): final. Anything else (a full disk) is retried by reconcile().
      const final = e.name === 'AppTargetError'
      return await this.fail(plan, final ? PlanInvalidError.code : (e.code ?? STEP_FAILED_CODE), `the agent did not take ${app.spec.name}@${app.version}: ${e.message}`, final)
    }
    await this.c.store.setApplied(plan.deploymentId, record)
    this.log.info('plan %s#%d: %s %s@%s', plan.deploymentId, plan.seq, app.rollback ? 'rolling back to' : 'deploying', app.spec.name, app.version)
    const running = this.c.runningVersion?.(app.spec.name)
    // Already running the version: the agent has nothing to do and sends no event, so say it here.
    await this.c.outbox.append(running === app.version
      ? { deploymentId: plan.deploymentId, planSeq: plan.seq, step: 'switch', health: Health.HEALTHY, appVersion: app.version }
      : { deploymentId: plan.deploymentId, planSeq: plan.seq, step: 'target', health: Health.UNKNOWN, appVersion: running ?? '' })
    return { kind: 'applied', app: app.spec.name, version: app.version, rollback: app.rollback, unchanged: false }
  }

  /**
   * Blue-green's stage phase: fetch and verify the artifact now, so the switch the next plan
   * asks for is quick and happens together across the fleet; the running version stays. The
   * applied record keeps what the deployment ran before (no fingerprint), so the switch plan
   * reaches the agent.
   */
  private async stage (plan: Plan, app: AgentApp): Promise<ApplyOutcome> {
    if (this.c.stage == null) return await this.fail(plan, STEP_FAILED_CODE, 'this fleet-node cannot stage artifacts ahead of a switch (no artifact store); upgrade it', true)
    try {
      await this.c.stage(app.manifest)
    } catch (err) {
      // Not final: reconcile() tries again (a peer with the blocks may come back).
      return await this.fail(plan, (err as { code?: string }).code ?? STEP_FAILED_CODE, `staging ${app.spec.name}@${app.version} failed: ${(err as Error).message}`, false)
    }
    const carried = this.carried(plan.deploymentId)
    delete carried.fingerprint
    await this.c.store.setApplied(plan.deploymentId, { ...carried, seq: plan.seq, outcome: 'applied', atMs: this.c.clock.nowMs() })
    this.log.info('plan %s#%d: staged %s@%s (the running version stays until the switch)', plan.deploymentId, plan.seq, app.spec.name, app.version)
    await this.c.outbox.append({ deploymentId: plan.deploymentId, planSeq: plan.seq, step: STEP_STAGE, health: Health.HEALTHY, appVersion: app.version })
    return { kind: 'applied', app: app.spec.name, version: app.version, rollback: false, unchanged: false }
  }

  private async skip (plan: Plan, reason: 'not-targeted' | 'not-in-cohort'): Promise<ApplyOutcome> {
    await this.c.store.setApplied(plan.deploymentId, { ...this.carried(plan.deploymentId), seq: plan.seq, outcome: 'skipped', atMs: this.c.clock.nowMs() })
    return { kind: 'skipped', reason }
  }

  /**
   * What an earlier seq of the deployment gave the agent: the app still runs it, so its events
   * still belong to the deployment, and a later seq with the same target is still unchanged.
   */
  private carried (deploymentId: string): { app?: string, version?: string, fingerprint?: string } {
    const { app, version, fingerprint } = this.c.store.applied(deploymentId) ?? {}
    return { ...(app != null ? { app } : {}), ...(version != null ? { version } : {}), ...(fingerprint != null ? { fingerprint } : {}) }
  }

  private async fail (plan: Plan, code: string, message: string, final: boolean): Promise<ApplyOutcome> {
    this.log.warn('plan %s#%d cannot be carried out: %s', plan.deploymentId, plan.seq, message)
    if (final) await this.c.store.setApplied(plan.deploymentId, { ...this.carried(plan.deploymentId), seq: plan.seq, outcome: 'failed', atMs: this.c.clock.nowMs() })
    await this.c.outbox.append({ deploymentId: plan.deploymentId, planSeq: plan.seq, step: 'apply', health: Health.UNHEALTHY, errorCode: code, errorMessage: message })
    return { kind: 'failed', code, message }
  }

  private async onAgentEvent (event: AgentEvent): Promise<void> {
    if (event.type !== 'updated' && event.type !== 'update-failed') return
    const owner = this.c.store.deploymentOfApp(event.app)
    // An app set locally (fleet-node app deploy) belongs to no deployment: nothing to report.
    if (owner == null) return
    const at = { deploymentId: owner.deploymentId, planSeq: owner.record.seq }
    if (event.type === 'updated') {
      await this.c.outbox.append({ ...at, step: 'switch', health: Health.HEALTHY, appVersion: event.version })
      return
    }
    const step = /^([a-z-]+):/.exec(event.error)?.[1] ?? 'update'
    const code = /\bFLEET_ERR_[A-Z0-9_]+\b/.exec(event.error)?.[0] ?? (step === 'await-healthy' ? HEALTH_FAILED_CODE : STEP_FAILED_CODE)
    await this.c.outbox.append({
      ...at, step, health: Health.UNHEALTHY, appVersion: event.rollbackTo ?? '', errorCode: code,
      errorMessage: `${event.app}@${event.version} failed (attempt ${event.attempts}): ${event.error}`
    })
  }
}
