/**
 * One simulated device: the plan applier's decisions (node/plans plan-applier) with the real
 * target selector and cohort rule, and the agent's reconciler driven by the REAL pure planner
 * (node/agent/planner `plan`) and failure policy (`recordFailure`), with an executor table whose
 * steps take simulated time instead of doing I/O (STYLE rule 4). Reports go through the durable
 * outbox.
 */
import { StepFailedError } from '../../node/agent/errors.js'
import { HealthCheckFailedError } from '../../node/runtime/health/errors.js'
import { PENALTY_MS_DEFAULT } from '../../node/agent/constants.js'
import { plan as planSteps } from '../../node/agent/planner.js'
import { recordFailure } from '../../node/agent/retry-policy.js'
import { inCohort } from '../../node/plans/cohort.js'
import { PlanInvalidError } from '../../node/plans/errors.js'
import { planProblem } from '../../node/plans/plan-check.js'
import { matchesTarget, parseTarget } from '../../node/plans/target-selector.js'
import { Health } from '../../proto/index.js'
import { SIM_APP } from './catalog.js'
import { STEP_SIGMA } from './params.js'
import type { DeviceParams } from './params.js'
import type { ReportOutbox } from './outbox.js'
import type { AgentState, ObservedApp, TargetApp } from '../../node/agent/agent-state.js'
import type { Step } from '../../node/agent/planner.js'
import type { RolloutReport } from '../../node/coordinator/rollout/index.js'
import type { DeviceIdentity, TargetSelector } from '../../node/plans/target-selector.js'
import type { SimRandom, Simulation } from '../engine/index.js'
import type { PlanMessage } from '../gossip/index.js'
import type { Network } from '../network/index.js'

/** What the invariant checkers and metrics see of a device. */
export interface DeviceObserver {
  /** The device took a plan (it passed its checks and changed the agent's target). */
  onApply(device: Device, message: PlanMessage): void
  /** A version's process started. */
  onStart(device: Device, version: string): void
  /** A version became the active one. */
  onSwitch(device: Device, version: string): void
}

interface Applied { seq: number, version?: string, message?: PlanMessage }

export interface DeviceComponents {
  node: number
  identity: DeviceIdentity
  /** What the device runs before any deployment. */
  baseline: TargetApp
  /** The agent's target for a version a plan names (spec and manifest). */
  targets: (version: string) => TargetApp
  sim: Simulation
  net: Network
  params: DeviceParams
  random: SimRandom
  outbox: ReportOutbox
  observer: DeviceObserver
  /** Shared by the world's devices. @default a cache of this device's own */
  selectorOf?: (target: string) => TargetSelector
  /**
   * Where installs get the artifact's bytes (the swarm model). Without it an install is a fluid
   * download at the device's own download bandwidth from an unlimited source.
   */
  artifacts?: ArtifactFetcher
}

/** The swarm as a device's install step sees it: the artifact of `version` into `node`. */
export interface ArtifactFetcher {
  fetch(node: number, version: string, done: (ok: boolean, error?: string) => void): void
}

/** Parses plan targets once per world: 10,000 devices share a few plans (a pure memo, one per world, not per module). */
export function selectorCache (): (target: string) => TargetSelector {
  const selectors = new Map<string, TargetSelector>()
  return (target) => {
    let s = selectors.get(target)
    if (s === undefined) {
      s = parseTarget(target)
      selectors.set(target, s)
    }
    return s
  }
}

export class Device {
  readonly agent: AgentState
  readonly observed: ObservedApp
  readonly applied = new Map<string, Applied>()
  /** The plan whose target the agent is working on (for reports and metrics). */
  current: PlanMessage | undefined
  private busy = false
  private wakeAtMs = -1

  readonly node: number
  readonly identity: DeviceIdentity
  readonly outbox: ReportOutbox
  private readonly targets: (version: string) => TargetApp
  private readonly sim: Simulation
  private readonly net: Network
  private readonly params: DeviceParams
  private readonly random: SimRandom
  private readonly observer: DeviceObserver
  private readonly selectorOf: (target: string) => TargetSelector
  private readonly artifacts: ArtifactFetcher | undefined

  constructor (c: DeviceComponents) {
    this.selectorOf = c.selectorOf ?? selectorCache()
    this.node = c.node
    this.identity = c.identity
    this.outbox = c.outbox
    this.targets = c.targets
    this.sim = c.sim
    this.net = c.net
    this.params = c.params
    this.random = c.random
    this.observer = c.observer
    this.artifacts = c.artifacts
    const baseline = c.baseline
    const version = baseline.manifest.version
    this.agent = {
      target: { apps: { [SIM_APP]: baseline } },
      apps: { [SIM_APP]: { versions: { [version]: baseline }, installed: { [version]: { dir: `/sim/${version}`, entrypoint: ['app'] } }, active: version, instances: {}, failures: {} } }
    }
    this.observed = { running: { [version]: true }, health: { [version]: 'healthy' } }
  }

  get active (): string | undefined { return this.agent.apps[SIM_APP]?.active }

  /** node/plans PlanApplier.applyNow, minus storage: seq order, target, cohort, then the agent. */
  onPlan (message: PlanMessage): void {
    const plan = message.plan
    const problem = planProblem(plan)
    if (problem !== undefined) {
      this.report({ deploymentId: plan.deploymentId, planSeq: plan.seq, step: 'apply', health: Health.UNHEALTHY, errorCode: PlanInvalidError.code, errorMessage: problem })
      return
    }
    const previous = this.applied.get(plan.deploymentId)
    if (previous !== undefined && plan.seq <= previous.seq) return
    const cohort = plan.cohort
    if (cohort == null || !matchesTarget(this.selectorOf(cohort.target), this.identity) ||
      !inCohort(cohort.phaseBasisPoints, cohort.currentPhase, plan.deploymentId, this.identity.id)) {
      this.applied.set(plan.deploymentId, { ...previous, seq: plan.seq })
      return
    }
    const version = plan.manifest?.version ?? ''
    this.applied.set(plan.deploymentId, { seq: plan.seq, version, message })
    this.observer.onApply(this, message)
    // A later phase of the same deployment changes nothing for a device already in it.
    if (previous?.version === version) return
    this.current = message
    this.agent.target.apps[SIM_APP] = this.targets(version)
    const running = this.active === version && this.observed.running[version] === true
    this.report(running
      ? { deploymentId: plan.deploymentId, planSeq: plan.seq, step: 'switch', health: Health.HEALTHY, appVersion: version }
      : { deploymentId: plan.deploymentId, planSeq: plan.seq, step: 'target', health: Health.UNKNOWN, appVersion: this.active ?? '' })
    this.reconcile()
  }

  /** The steps the real planner asks for now. */
  steps (): Step[] {
    return planSteps(this.agent, { [SIM_APP]: this.observed }, { nowMs: this.sim.clockMs })
  }

  /**
   * The reconciler's loop: run the planner's steps in order (a round), then plan again; a step
   * that fails ends the round early. An empty plan is converged — unless a failed version is
   * backing off, then the agent looks again when its retry time comes.
   */
  reconcile (): void {
    if (this.busy) return
    const steps = this.steps()
    if (steps.length === 0) {
      const retryAt = this.agent.apps[SIM_APP]?.failures[this.agent.target.apps[SIM_APP]?.manifest.version ?? '']?.retryAtMs
      if (retryAt !== undefined && retryAt > this.sim.nowMs && retryAt !== this.wakeAtMs) {
        this.wakeAtMs = retryAt
        this.sim.at(retryAt, 'agent-retry', this.node, () => { this.reconcile() })
      }
      return
    }
    this.busy = true
    this.runRound(steps, 0)
  }

  private runRound (steps: readonly Step[], index: number): void {
    const step = steps[index]
    if (step === undefined) {
      this.busy = false
      this.reconcile()
      return
    }
    const finish = (): void => {
      const ok = this.execute(step)
      this.runRound(ok ? steps : [], ok ? index + 1 : 0)
    }
    if (step.action === 'install' && this.artifacts !== undefined && this.net.online[this.node] === 1) {
      this.artifacts.fetch(this.node, step.version, (fetched, error) => {
        if (fetched) {
          this.sim.after(this.random.logNormal(this.params.installVerifyMsMedian, STEP_SIGMA), 'install', this.node, finish)
          return
        }
        this.fail(step.version, `install: fetching ${SIM_APP}@${step.version} failed: ${error ?? 'no source'}`, StepFailedError.code)
        this.runRound([], 0)
      })
      return
    }
    this.sim.after(this.duration(step), step.action, this.node, finish)
  }

  private duration (step: Step): number {
    const p = this.params
    const r = this.random
    switch (step.action) {
      case 'install': return (p.artifactBytes * 8000) / (this.net.topology.downloadBps[this.node] as number) + r.logNormal(p.installVerifyMsMedian, STEP_SIGMA)
      case 'start': return r.logNormal(p.startMsMedian, STEP_SIGMA)
      case 'await-healthy':
        if (p.badVersions.has(step.version)) return p.healthTimeoutMs
        // Already healthy (a restart of the active version, or a second round): one probe.
        if (this.observed.health[step.version] === 'healthy') return 50
        return Math.min(p.healthTimeoutMs, r.logNormal(p.healthyMsMedian, STEP_SIGMA))
      case 'stop': return r.logNormal(p.stopMsMedian, STEP_SIGMA)
      default: return 50
    }
  }

  /** The executor table: what each step changes once its time has passed; false when it failed. */
  private execute (step: Step): boolean {
    const app = this.agent.apps[SIM_APP]
    if (app === undefined) return false
    const target = this.agent.target.apps[SIM_APP]
    switch (step.action) {
      case 'install':
        // The fetch needs a path to peers: offline, the step fails like a fetch timeout would.
        if (this.net.online[this.node] !== 1 || this.random.chance(this.params.installFailure)) {
          this.fail(step.version, `install: fetching ${SIM_APP}@${step.version} failed`, StepFailedError.code)
          return false
        }
        app.installed[step.version] = { dir: `/sim/${step.version}`, entrypoint: ['app'] }
        if (target !== undefined && target.manifest.version === step.version) app.versions[step.version] = target
        return true
      case 'start':
        this.observed.running[step.version] = true
        this.observed.health[step.version] = 'starting'
        this.observer.onStart(this, step.version)
        return true
      case 'await-healthy':
        if (this.params.badVersions.has(step.version)) {
          this.observed.health[step.version] = 'unhealthy'
          this.fail(step.version, `await-healthy: ${SIM_APP}@${step.version} not healthy within ${this.params.healthTimeoutMs} ms`, HealthCheckFailedError.code)
          return false
        }
        this.observed.health[step.version] = 'healthy'
        return true
      case 'switch': {
        if (app.active !== step.version) app.previous = app.active
        app.active = step.version
        delete app.failures[step.version]
        this.observer.onSwitch(this, step.version)
        const plan = this.current?.plan
        if (plan !== undefined) this.report({ deploymentId: plan.deploymentId, planSeq: plan.seq, step: 'switch', health: Health.HEALTHY, appVersion: step.version })
        return true
      }
      case 'stop':
        delete this.observed.running[step.version]
        delete this.observed.health[step.version]
        return true
      case 'uninstall':
        delete app.installed[step.version]
        return true
      case 'forget':
        return true
    }
    return true
  }

  /** The agent's update-failed event, as the plan applier reports it. */
  private fail (version: string, error: string, code: string): void {
    const app = this.agent.apps[SIM_APP]
    if (app === undefined) return
    const failures = recordFailure(app.failures[version], error, this.sim.clockMs, PENALTY_MS_DEFAULT)
    app.failures[version] = failures
    const plan = this.current?.plan
    if (plan === undefined) return
    this.report({
      deploymentId: plan.deploymentId, planSeq: plan.seq, step: /^([a-z-]+):/.exec(error)?.[1] ?? 'update', health: Health.UNHEALTHY,
      appVersion: app.active ?? '', errorCode: code, errorMessage: `${SIM_APP}@${version} failed (attempt ${failures.attemptsMs.length}): ${error}`
    })
  }

  private report (fields: Partial<RolloutReport> & Pick<RolloutReport, 'deploymentId' | 'planSeq' | 'step' | 'health'>): void {
    this.outbox.append({ deviceId: this.identity.id, appVersion: '', errorCode: '', errorMessage: '', metrics: new Map(), sentMs: this.sim.clockMs, ...fields })
  }
}
