/**
 * The coordinator as a mesh node: it keeps the latest report of each device, and runs the
 * REAL rollout controller (`decide` from node/coordinator/rollout, or a substitute for tests
 * that prove the checkers can fail) on each burst of reports (debounced, as the rollout engine
 * does) and at every wake-at. A publish-plan action becomes a real plan (the engine's own
 * `buildPlan`, checked by `planProblem`) gossiped from node 0.
 */
import { ok as assert } from 'node:assert'
import { ENGINE_DEFAULTS } from '../../node/coordinator/engine/constants.js'
import { buildPlan } from '../../node/coordinator/engine/plan-builder.js'
import { cohortBucketCache, decide, initialDeploymentState } from '../../node/coordinator/rollout/index.js'
import { planProblem } from '../../node/plans/plan-check.js'
import { encodePlan } from '../../proto/index.js'
import type { ManifestJson } from '../../content/manifest/index.js'
import type { AppRecord } from '../../node/coordinator/store/records.js'
import type { AuditEvent, Decision, DeploymentSpec, DeploymentState, PublishPlanAction, ReportsByDevice, RolloutContext, RolloutDevice, RolloutReport } from '../../node/coordinator/rollout/index.js'
import type { Simulation } from '../engine/index.js'
import type { Gossip, PlanMessage } from '../gossip/index.js'
import type { ReportReceiver } from '../device/index.js'

/** The controller's signature: `decide`, or a deliberately broken one in tests. */
export type Controller = (spec: DeploymentSpec, state: DeploymentState, reports: ReportsByDevice, ctx: RolloutContext) => Decision

/** Deployments in these states are no longer live: the engine stops re-gossiping their plans. */
const TERMINAL = new Set(['succeeded', 'rolled-back', 'failed'])

/** Bytes a SignedPlan adds around the encoded Plan: key id, Ed25519 signature, framing. */
const SIGNATURE_ENVELOPE_BYTES = 96

export interface AuditRecord { atMs: number, event: AuditEvent, status: string, phase: number }

export interface CoordinatorInit {
  spec: DeploymentSpec
  devices: readonly RolloutDevice[]
  app: AppRecord
  manifestFor: (version: string) => ManifestJson
  controller?: Controller
  onPublish?: (action: PublishPlanAction, message: PlanMessage) => void
}

export class SimCoordinator implements ReportReceiver {
  readonly node = 0
  state: DeploymentState
  readonly reports = new Map<string, RolloutReport>()
  readonly audits: AuditRecord[] = []
  readonly published: PlanMessage[] = []
  decisions = 0
  /** Wall ms spent inside the controller: a decision is O(devices), this is its price at fleet size. */
  controllerWallMs = 0
  reportsReceived = 0
  regossips = 0
  private readonly bucketOf = cohortBucketCache()
  private readonly controller: Controller
  private debounceAt = -1
  private wakeAt = -1

  constructor (private readonly sim: Simulation, private readonly gossip: Gossip, private readonly init: CoordinatorInit, private readonly nextMessageId: () => number) {
    this.state = initialDeploymentState(init.spec.id)
    this.controller = init.controller ?? decide
  }

  /** `fleets deploy create` at `atMs`. */
  startAt (atMs: number): void {
    this.sim.at(atMs, 'deploy', this.node, () => { this.decide() })
  }

  receiveReports (_from: number, reports: readonly RolloutReport[]): void {
    for (const r of reports) {
      this.reportsReceived++
      const held = this.reports.get(r.deviceId)
      if (held === undefined || r.sentMs >= held.sentMs) this.reports.set(r.deviceId, r)
    }
    if (this.debounceAt >= this.sim.nowMs) return
    this.debounceAt = this.sim.nowMs + ENGINE_DEFAULTS.reportDebounceMs
    this.sim.at(this.debounceAt, 'decide', this.node, () => { this.decide() })
  }

  private decide (): void {
    this.decisions++
    const ctx = { nowMs: this.sim.clockMs, devices: this.init.devices, bucketOf: this.bucketOf }
    const wallStart = performance.now()
    const decision = this.controller(this.init.spec, this.state, this.reports, ctx)
    this.controllerWallMs += performance.now() - wallStart
    this.state = decision.state
    for (const action of decision.actions) {
      switch (action.type) {
        case 'publish-plan': this.publish(action); break
        case 'audit':
          this.audits.push({ atMs: this.sim.nowMs, event: action.event, status: this.state.status, phase: this.state.phase })
          this.sim.note(`audit ${action.event} ${this.state.status} phase ${this.state.phase}`)
          break
        case 'wake-at':
          if (action.atMs !== this.wakeAt) {
            const at = action.atMs
            this.wakeAt = at
            this.sim.at(at, 'wake', this.node, () => { if (this.wakeAt === at) this.decide() })
          }
          break
      }
    }
  }

  private publish (action: PublishPlanAction): void {
    const spec = this.init.spec
    const plan = buildPlan({
      fleetId: 'sim-fleet',
      deploymentId: spec.id,
      strategy: spec.strategy,
      target: spec.target,
      app: this.init.app,
      action,
      manifest: this.init.manifestFor(action.version),
      ...(spec.rollbackTo !== undefined ? { rollbackTo: spec.rollbackTo } : {}),
      issuedMs: this.sim.clockMs,
      expiresMs: this.sim.clockMs + ENGINE_DEFAULTS.planTtlMs
    })
    const problem = planProblem(plan)
    assert(problem === undefined, `the coordinator built an invalid plan: ${problem}`)
    const bytes = encodePlan(plan).length + SIGNATURE_ENVELOPE_BYTES
    const message: PlanMessage = { id: this.nextMessageId(), plan, signatureValid: true, bytes, publishedMs: this.sim.nowMs, origin: this.node }
    this.published.push(message)
    this.sim.note(`publish seq ${action.seq} phase ${action.phase} ${action.rollback ? 'rollback' : 'forward'} ${action.version}`)
    this.init.onPublish?.(action, message)
    this.gossip.publish(this.node, message)
    if (this.published.length === 1) this.scheduleRegossip()
  }

  /** Every regossipIntervalMs while the deployment is live, the latest plan goes out again. */
  private scheduleRegossip (): void {
    this.sim.after(ENGINE_DEFAULTS.regossipIntervalMs, 'regossip', this.node, () => {
      if (TERMINAL.has(this.state.status)) return
      const latest = this.published.at(-1)
      if (latest !== undefined) {
        this.regossips++
        this.gossip.republish(this.node, latest, this.nextMessageId())
      }
      this.scheduleRegossip()
    })
  }
}
