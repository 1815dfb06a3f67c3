/**
 * Synthetic fleets, reports and a driver for the controller: what the unit tests use, and a
 * starting point for simulator scenarios. Pure like the controller: time only moves when told.
 */
import { Health } from '../../../proto/index.js'
import { cohortBucketCache } from './bucket-cache.js'
import { decide } from './decide.js'
import { rolloutPhases } from './phases.js'
import { initialDeploymentState } from './state.js'
import { matchesTarget, parseTarget } from './target.js'
import type { Decision, PublishPlanAction, RolloutAction } from './actions.js'
import type { RolloutContext } from './decide.js'
import type { RolloutReport } from './observe.js'
import type { DeploymentSpec } from './spec.js'
import type { DeploymentState } from './state.js'
import type { RolloutDevice } from './target.js'

/** 2023-11-14T22:13:20Z: a fixed start, so times in failures read the same every run. */
export const T0_MS = 1_700_000_000_000

/** `count` devices `dev-00000`…, each in `groups` and with `labels`. */
export function syntheticFleet (count: number, options: { groups?: string[], labels?: Record<string, string>, prefix?: string } = {}): RolloutDevice[] {
  const width = String(Math.max(count - 1, 0)).length
  return Array.from({ length: count }, (_, i) => ({
    id: `${options.prefix ?? 'dev-'}${String(i).padStart(Math.max(width, 5), '0')}`,
    labels: options.labels ?? {},
    groups: options.groups ?? ['fleet']
  }))
}

/** A report of `deviceId` for the spec's deployment: healthy on the new version unless `fields` say otherwise. */
export function syntheticReport (spec: Pick<DeploymentSpec, 'id' | 'version'>, deviceId: string, fields: Partial<RolloutReport> = {}): RolloutReport {
  return {
    deviceId,
    deploymentId: spec.id,
    planSeq: 1,
    step: 'health-check',
    appVersion: spec.version,
    health: Health.HEALTHY,
    errorCode: '',
    errorMessage: '',
    metrics: new Map(),
    sentMs: T0_MS,
    ...fields
  }
}

/** Drives one deployment: keeps its state, the latest report per device, the time and every action. */
export class RolloutDriver {
  state: DeploymentState
  nowMs: number
  readonly reports = new Map<string, RolloutReport>()
  readonly actions: RolloutAction[] = []
  readonly bucketOf = cohortBucketCache()

  constructor (readonly spec: DeploymentSpec, readonly devices: RolloutDevice[], startMs = T0_MS) {
    this.state = initialDeploymentState(spec.id)
    this.nowMs = startMs
  }

  get ctx (): RolloutContext {
    return { nowMs: this.nowMs, devices: this.devices, bucketOf: this.bucketOf }
  }

  /** Applies a decision (from `decide` or a command) and returns it. */
  apply (decision: Decision): Decision {
    this.state = decision.state
    this.actions.push(...decision.actions)
    return decision
  }

  /** Moves time forward by `ms`, then decides. */
  tick (ms = 0): Decision {
    this.nowMs += ms
    return this.apply(decide(this.spec, this.state, this.reports, this.ctx))
  }

  plans (): PublishPlanAction[] {
    return this.actions.filter((a): a is PublishPlanAction => a.type === 'publish-plan')
  }

  /** Targeted devices in the cohort of `phase` (the current phase by default). */
  cohort (phase = this.state.phase): RolloutDevice[] {
    const limit = rolloutPhases(this.spec)[phase]?.basisPoints ?? 0
    const selector = parseTarget(this.spec.target)
    return this.devices.filter(d => matchesTarget(selector, d) && this.bucketOf(this.spec.id, d.id) < limit)
  }

  /** Records a report for each device (healthy on the new version, at the last plan, sent now, unless `fields` say otherwise). */
  report (devices: readonly RolloutDevice[], fields: Partial<RolloutReport> = {}): void {
    for (const d of devices) this.reports.set(d.id, syntheticReport(this.spec, d.id, { planSeq: this.state.planSeq, sentMs: this.nowMs, ...fields }))
  }
}
