/**
 * The rollout engine: runs the pure rollout controller (node/coordinator/rollout) for every
 * live deployment and carries out what it decides. It decides only from what is persisted —
 * the deployment record with the controller's state, the latest stored report of each device,
 * the registry — on three occasions: an operator command, a new report (debounced), and the
 * `wake-at` time the last decision asked for. Every decision's state is written back to the
 * deployment record, so a restarted coordinator resumes exactly where it stopped.
 */
import { encodeSignedPlan, Health } from '../../../proto/index.js'
import { deviceGroups } from '../../plans/index.js'
import { cohortBucketCache, decide, initialDeploymentState, parseDeploymentSpec, pause, promote, resume, rollback, TERMINAL_STATUSES } from '../rollout/index.js'
import { buildPlan } from './plan-builder.js'
import { ENGINE_DEFAULTS } from './constants.js'
import type { ManifestJson } from '../../../content/manifest/index.js'
import type { Encodable, Plan, SignedPlan } from '../../../proto/index.js'
import type { AuditLog } from '../audit/index.js'
import type { Logger, ComponentLogger } from '../../logging/index.js'
import type { Clock } from '../../ports/index.js'
import type { Decision, DeploymentSpec, DeploymentState as ControllerState, ReportsByDevice, RolloutDevice, RolloutReport } from '../rollout/index.js'
import type { DeploymentCommand, DeploymentCommandResult, DeploymentEngine } from '../server/engine.js'
import type { CoordinatorStore, DeploymentRecord, DeviceRecord, JsonValue, ReportRecord } from '../store/index.js'

/** A signed manifest the coordinator holds, and whether its signatures check out against the trusted release keys. */
export interface HeldManifest {
  manifest: ManifestJson
  signatureOk: boolean
  /** Why the signature does not check out. */
  problem?: string
}

export interface RolloutEngineComponents {
  store: Pick<CoordinatorStore, 'deployments' | 'apps' | 'devices' | 'reports' | 'exclusive'>
  audit: Pick<AuditLog, 'append'>
  clock: Clock
  logger: ComponentLogger
  fleetId: string
  /** The manifest of `name@version`, from the coordinator's artifact store. */
  manifest(name: string, version: string): Promise<HeldManifest | undefined>
  /** Signs with the fleet's coordinator key. */
  sign(plan: Encodable<Plan>): Promise<SignedPlan>
  /** Gossips a signed plan (and keeps it for anti-entropy). */
  publish(bytes: Uint8Array): Promise<{ recipients: number }>
  /** Plans published before a restart (the coordinator's plan store), so re-gossip resumes with them. */
  heldPlans?(): ReadonlyArray<{ deploymentId: string, seq: number, bytes: Uint8Array }>
  /** Whether the registry has heard from a device lately; without it every device counts as reachable. */
  isOnline?(record: Pick<DeviceRecord, 'id' | 'lastSeenMs'>): boolean
}

export interface RolloutEngineInit {
  /** Devices ignore a plan this long after it was signed. @default ENGINE_DEFAULTS.planTtlMs */
  planTtlMs?: number
  /** Reports arriving within this window cost one decision. @default ENGINE_DEFAULTS.reportDebounceMs */
  reportDebounceMs?: number
  /** The latest plan of each live deployment is gossiped again this often. @default ENGINE_DEFAULTS.regossipIntervalMs */
  regossipIntervalMs?: number
}

const HEALTH_OF: Record<ReportRecord['health'], Health> = {
  healthy: Health.HEALTHY, unhealthy: Health.UNHEALTHY, starting: Health.STARTING, unknown: Health.UNKNOWN
}

export class RolloutEngine implements DeploymentEngine {
  private readonly log: Logger
  private readonly init: Required<RolloutEngineInit>
  /** One chain per deployment: decisions about one deployment never overlap. */
  private readonly chains = new Map<string, Promise<unknown>>()
  private readonly wakeTimers = new Map<string, NodeJS.Timeout>()
  /** Decisions asked for now (a report, a command, a retry): kept apart from wake-at timers so neither cancels the other. */
  private readonly soonTimers = new Map<string, NodeJS.Timeout>()
  private readonly reportTimers = new Map<string, NodeJS.Timeout>()
  /** The last signed plan of each live deployment, for re-gossip. */
  private readonly latestPlans = new Map<string, Uint8Array>()
  private readonly buckets = cohortBucketCache()
  private regossipTimer?: NodeJS.Timeout
  private stopped = false

  constructor (private readonly c: RolloutEngineComponents, init: RolloutEngineInit = {}) {
    this.log = c.logger.forComponent('fleet:coordinator:engine')
    this.init = { ...ENGINE_DEFAULTS, ...init }
  }

  /** Resumes every live deployment (a restart continues where the last run stopped). */
  async start (): Promise<void> {
    this.stopped = false
    const live = (await this.c.store.deployments.list()).filter(d => !TERMINAL_STATUSES.has(d.state))
    const liveIds = new Set(live.map(d => d.id))
    for (const held of [...(this.c.heldPlans?.() ?? [])].sort((a, b) => a.seq - b.seq)) {
      if (liveIds.has(held.deploymentId)) this.latestPlans.set(held.deploymentId, held.bytes)
    }
    for (const deployment of live) this.schedule(deployment.id, 0)
    if (live.length > 0) this.log.info('resuming %d live deployment(s)', live.length)
    this.regossipTimer = setInterval(() => { void this.regossip() }, this.init.regossipIntervalMs)
    this.regossipTimer.unref()
  }

  async stop (): Promise<void> {
    this.stopped = true
    clearInterval(this.regossipTimer)
    for (const timer of [...this.wakeTimers.values(), ...this.soonTimers.values(), ...this.reportTimers.values()]) clearTimeout(timer)
    this.wakeTimers.clear()
    this.soonTimers.clear()
    this.reportTimers.clear()
    await Promise.allSettled([...this.chains.values()])
  }

  /** A report for `deploymentId` was persisted: decide again soon (reports in a burst share one decision). */
  reportPersisted (deploymentId: string): void {
    if (this.stopped || this.reportTimers.has(deploymentId)) return
    const timer = setTimeout(() => {
      this.reportTimers.delete(deploymentId)
      this.schedule(deploymentId, 0)
    }, this.init.reportDebounceMs)
    this.reportTimers.set(deploymentId, timer)
  }

  async onCommand (deploymentId: string, command: DeploymentCommand): Promise<DeploymentCommandResult> {
    return await this.serial(deploymentId, async () => await this.command(deploymentId, command))
  }

  private async command (deploymentId: string, command: DeploymentCommand): Promise<DeploymentCommandResult> {
    const record = await this.c.store.deployments.get(deploymentId)
    if (record == null) return { accepted: false, reason: `no deployment ${deploymentId}` }
    const spec = parseDeploymentSpec(record.spec)
    if (command.kind === 'create') return await this.create(record, spec, command)
    const state = controllerState(record)
    const ctx = { nowMs: this.c.clock.nowMs() }
    const options = { actor: command.actor, ...(command.reason != null ? { reason: command.reason } : {}) }
    let decision: Decision
    try {
      switch (command.kind) {
        case 'promote': decision = promote(spec, state, ctx, options); break
        case 'pause': decision = pause(spec, state, ctx, options); break
        case 'resume': decision = resume(spec, state, ctx, options); break
        case 'rollback': decision = rollback(spec, state, ctx, command.reason ?? `requested by ${command.actor}`, options); break
      }
    } catch (err) {
      return { accepted: false, reason: (err as Error).message }
    }
    await this.carryOut(record, spec, decision)
    // A promote or resume may let the next phase start at once.
    this.schedule(deploymentId, 0)
    // No state or phase in the answer: the engine persisted them, and a decision scheduled since
    // may have moved on; the server re-reads the record.
    return {
      accepted: true,
      reason: decision.state.reason?.message ?? `${command.kind} accepted`,
      ...(command.kind === 'rollback' ? { audit: { rollbackReason: decision.state.reason?.message ?? command.reason ?? '' } } : {})
    }
  }

  /**
   * A new deployment: the coordinator must hold signed manifests of the version (and of the
   * version a rollback returns to) before anything is published — devices refuse unsigned
   * artifacts, and a rollback that cannot be planned is no safety net.
   */
  private async create (record: DeploymentRecord, spec: DeploymentSpec, command: DeploymentCommand): Promise<DeploymentCommandResult> {
    const app = await this.c.store.apps.get(spec.app)
    if (app == null) return { accepted: false, reason: `no app named ${spec.app}` }
    for (const version of [spec.version, ...(spec.rollbackTo != null ? [spec.rollbackTo] : [])]) {
      const held = await this.c.manifest(app.artifact.name, version)
      if (held == null) {
        return { accepted: false, reason: `the coordinator holds no signed manifest of ${app.artifact.name}@${version}; upload it first (fleets artifact upload --name ${app.artifact.name} --version ${version} … --node-storage-dir <the coordinator's storage dir>)`, audit: { signatureVerified: false } }
      }
      if (!held.signatureOk) {
        return { accepted: false, reason: `the manifest of ${app.artifact.name}@${version} is not signed by a trusted release key: ${held.problem ?? 'unknown signer'}; sign it with a key in the coordinator's --keys-dir`, audit: { signatureVerified: false } }
      }
    }
    const state = initialDeploymentState(record.id)
    await this.persist(record.id, state)
    this.log.info('deployment %s of %s@%s to %s (%s) created by %s', record.id, spec.app, spec.version, spec.target, spec.strategy, command.actor)
    this.schedule(record.id, 0)
    return { accepted: true, reason: 'manifests verified; the rollout starts now', audit: { signatureVerified: true, scanResult: 'not scanned' } }
  }

  /** Runs the controller on what is persisted and carries out its decision. */
  private async evaluate (deploymentId: string): Promise<void> {
    if (this.stopped) return
    const record = await this.c.store.deployments.get(deploymentId)
    if (record == null || TERMINAL_STATUSES.has(record.state)) return
    const spec = parseDeploymentSpec(record.spec)
    const state = controllerState(record)
    const [devices, reports] = await Promise.all([this.devices(), this.reports(deploymentId)])
    const decision = decide(spec, state, reports, { nowMs: this.c.clock.nowMs(), devices, bucketOf: this.buckets })
    await this.carryOut(record, spec, decision)
  }

  /** Executes a decision's actions in order, then persists its state. */
  private async carryOut (record: DeploymentRecord, spec: DeploymentSpec, decision: Decision): Promise<void> {
    for (const action of decision.actions) {
      switch (action.type) {
        case 'publish-plan': await this.publishPlan(record, spec, action); break
        case 'audit': await this.c.audit.append({
          actor: typeof action.detail.actor === 'string' ? action.detail.actor : 'controller',
          action: `deployment.${action.event}`,
          deploymentId: record.id,
          artifactVersion: `${record.artifact.name}@${spec.version}`,
          ...(action.event.startsWith('rollback') || action.event === 'rolled-back' ? { rollbackReason: decision.state.reason?.message ?? '' } : {}),
          detail: action.detail
        })
          break
        case 'wake-at': this.schedule(record.id, Math.max(0, action.atMs - this.c.clock.nowMs()), 'wake'); break
      }
    }
    if (decision.state.status !== controllerState(record).status) {
      this.log.info('deployment %s: %s → %s (%s)', record.id, record.state, decision.state.status, decision.state.reason?.message ?? '')
    }
    await this.persist(record.id, decision.state)
    if (TERMINAL_STATUSES.has(decision.state.status)) this.forget(record.id)
  }

  private async publishPlan (record: DeploymentRecord, spec: DeploymentSpec, action: Extract<Decision['actions'][number], { type: 'publish-plan' }>): Promise<void> {
    const app = await this.c.store.apps.get(spec.app)
    const held = app == null ? undefined : await this.c.manifest(app.artifact.name, action.version)
    if (app == null || held == null) {
      // Checked at creation; only a deleted app or a collected manifest gets here.
      this.log.error('deployment %s: cannot publish plan #%d: %s', record.id, action.seq, app == null ? `app ${spec.app} is gone` : `no manifest of ${app.artifact.name}@${action.version}`)
      return
    }
    const nowMs = this.c.clock.nowMs()
    const plan = buildPlan({
      fleetId: this.c.fleetId, deploymentId: record.id, strategy: spec.strategy, target: spec.target, app, action,
      manifest: held.manifest, ...(spec.rollbackTo != null ? { rollbackTo: spec.rollbackTo } : {}),
      issuedMs: nowMs, expiresMs: nowMs + this.init.planTtlMs
    })
    const bytes = encodeSignedPlan(await this.c.sign(plan))
    this.latestPlans.set(record.id, bytes)
    // The plan is in the coordinator's plan store once publish has checked it; the gossip send
    // itself must not hold the deployment's decisions hostage (a peer whose link died may stall
    // it): past the timeout, anti-entropy and re-gossip deliver the plan.
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>(resolve => { timer = setTimeout(() => { resolve('timeout') }, ENGINE_DEFAULTS.publishTimeoutMs) })
    const sent = await Promise.race([this.c.publish(bytes), timeout]).finally(() => { clearTimeout(timer) })
    if (sent === 'timeout') {
      this.log.warn('deployment %s: gossiping plan #%d took over %d ms; continuing (peers get it by re-gossip and anti-entropy)', record.id, action.seq, ENGINE_DEFAULTS.publishTimeoutMs)
      return
    }
    this.log.info('deployment %s: plan #%d published (%s %s, phase %d, %d gossip peers)', record.id, action.seq, action.rollback ? 'rollback to' : 'version', action.version, action.phase, sent.recipients)
  }

  /** Gossip the latest plans again: peers that missed a message get it without waiting for anti-entropy. */
  private async regossip (): Promise<void> {
    for (const [id, bytes] of this.latestPlans) {
      try {
        await this.c.publish(bytes)
      } catch (err) {
        this.log.debug('re-gossip of %s failed: %s', id, (err as Error).message)
      }
    }
  }

  private async persist (deploymentId: string, state: ControllerState): Promise<void> {
    await this.c.store.exclusive(async () => {
      const current = await this.c.store.deployments.get(deploymentId)
      if (current == null) return
      const rolledBack = state.status === 'rolling-back' || state.status === 'rolled-back'
      await this.c.store.deployments.put(deploymentId, {
        ...current,
        state: state.status,
        phase: state.phase,
        engineState: JSON.parse(JSON.stringify(state)) as Record<string, JsonValue>,
        ...(rolledBack && current.rollbackReason == null && state.reason != null ? { rollbackReason: state.reason.message.slice(0, 1024) } : {}),
        updatedMs: this.c.clock.nowMs()
      })
    })
  }

  /** Devices as the controller sees them, by id: labels and groups as the devices themselves evaluate targets. */
  private async devices (): Promise<RolloutDevice[]> {
    const records = await this.c.store.devices.list()
    return records
      .map(r => ({ id: r.id, labels: { ...r.reportedLabels }, groups: deviceGroups(r.reportedLabels), offline: this.c.isOnline?.(r) === false }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  private async reports (deploymentId: string): Promise<ReportsByDevice> {
    const out = new Map<string, RolloutReport>()
    for (const r of await this.c.store.reports.list(deploymentId)) {
      out.set(r.deviceId, {
        deviceId: r.deviceId, deploymentId: r.deploymentId, planSeq: r.planSeq, step: r.step, appVersion: r.appVersion,
        health: HEALTH_OF[r.health], errorCode: r.errorCode ?? '', errorMessage: r.errorMessage ?? '', sentMs: r.sentMs,
        metrics: new Map(Object.entries(r.metrics))
      })
    }
    return out
  }

  /** Runs `fn` after every earlier task of the deployment. */
  private async serial<T> (deploymentId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(deploymentId) ?? Promise.resolve()
    const next = previous.catch(() => {}).then(fn)
    this.chains.set(deploymentId, next)
    try {
      return await next
    } finally {
      if (this.chains.get(deploymentId) === next) this.chains.delete(deploymentId)
    }
  }

  /**
   * Decide again in `delayMs` (long waits are split: a timer cannot hold more than ~24 days).
   * A `wake` timer (the controller's wake-at) and a `soon` timer (a report, a command, a retry)
   * each replace only their own kind. With one timer for both, a decision that ended with a
   * 60 s wake-at cancelled the decision a report had just asked for: the deployment then waited
   * for the wake-at with a failing report in the store (a rollback test failed 1 run in 6).
   */
  private schedule (deploymentId: string, delayMs: number, kind: 'soon' | 'wake' = 'soon'): void {
    if (this.stopped) return
    const timers = kind === 'wake' ? this.wakeTimers : this.soonTimers
    clearTimeout(timers.get(deploymentId))
    const timer = setTimeout(() => {
      if (timers.get(deploymentId) === timer) timers.delete(deploymentId)
      this.serial(deploymentId, async () => { await this.evaluate(deploymentId) })
        .catch(err => {
          // Store or gossip trouble: nothing was persisted past the failure, so deciding again is safe.
          this.log.error('deployment %s: decision failed (retrying in %d ms): %s', deploymentId, ENGINE_DEFAULTS.retryDelayMs, (err as Error).message)
          this.schedule(deploymentId, ENGINE_DEFAULTS.retryDelayMs)
        })
    }, Math.min(delayMs, ENGINE_DEFAULTS.wakeDelayMaxMs))
    timer.unref()
    timers.set(deploymentId, timer)
  }

  private forget (deploymentId: string): void {
    clearTimeout(this.wakeTimers.get(deploymentId))
    this.wakeTimers.delete(deploymentId)
    clearTimeout(this.soonTimers.get(deploymentId))
    this.soonTimers.delete(deploymentId)
    this.latestPlans.delete(deploymentId)
  }
}

/** The controller's persisted state, or a fresh one for a deployment created before the engine ran it. */
function controllerState (record: DeploymentRecord): ControllerState {
  return record.engineState != null ? record.engineState as unknown as ControllerState : initialDeploymentState(record.id)
}
