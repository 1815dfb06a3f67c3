/**
 * One pass over the registry that turns the latest persisted reports into the counts every
 * decision needs (STYLE rule 14: iterate only in deterministic orders — the registry's).
 * O(devices): one target match, one cohort hash and one map lookup per device.
 */
import { Health } from '../../../proto/index.js'
import { CRASH_LOOP_MARK, CRASH_LOOP_PATTERN, FAILING_SAMPLE_MAX, STEP_STAGED } from './constants.js'
import { matchesTarget } from './target.js'
import type { BucketOf } from './bucket-cache.js'
import type { DeploymentSpec } from './spec.js'
import type { RolloutDevice, TargetSelector } from './target.js'
import type { DeviceReport } from '../../../proto/index.js'

/** The fields of a DeviceReport the controller reads; a DeviceReport is one. */
export type RolloutReport = Pick<DeviceReport, 'deviceId' | 'deploymentId' | 'planSeq' | 'step' | 'appVersion' | 'health' | 'errorCode' | 'errorMessage' | 'sentMs'> & {
  metrics: ReadonlyMap<string, number>
}

/** The latest persisted report of each device for this deployment, by device id. */
export type ReportsByDevice = ReadonlyMap<string, RolloutReport>

export interface MetricSum { sum: number, count: number }

/** Counts over the targeted devices in the cohort `bucket < cohortBasisPoints`. */
export interface Observation {
  targeted: number
  cohort: number
  /**
   * Devices of the cohort that can still give a verdict: online, or already reported on this
   * deployment. A trigger needs at most this many samples: a canary device cut off from the
   * coordinator cannot report, and waiting for its sample held the phase until it paused.
   */
  cohortReachable: number
  /** Targeted devices the next phase would add (`cohortBasisPoints <= bucket < nextBasisPoints`). */
  nextBatch: number
  /** Running the new version, HEALTHY, no error, not a standby. */
  healthy: number
  /** Devices of the phase's own slice (`sliceBasisPoints <= bucket < cohortBasisPoints`): the phase's evidence. */
  slice: number
  /** Healthy devices of the slice. */
  sliceHealthy: number
  /** Blue-green standby of the new version, HEALTHY, no error. */
  staged: number
  /** Devices with a verdict: healthy, staged or failing. */
  verdicts: number
  /** An error code, or UNHEALTHY on the new version. */
  failing: number
  crashLooping: number
  /** Latest report shows the new version (live or standby): what a rollback waits for. */
  onNewVersion: number
  /** Sums of the trigger metrics over devices on the new version that report them. */
  metrics: Map<string, MetricSum>
  /** `sentMs` of every failing report, registry order (the circuit breaker sorts a copy). */
  failureSentMs: number[]
  /** The first FAILING_SAMPLE_MAX failing device ids, registry order, for audit details. */
  failingSample: string[]
}

export interface ObserveRange {
  cohortBasisPoints: number
  /** Where the phase's own devices start: the previous phase's basis points, or 0. */
  sliceBasisPoints: number
  nextBasisPoints: number
  /** Metric names the triggers read (`cpu_usage`, custom names). */
  metricNames: readonly string[]
}

/** The registry as one decision sees it: devices in order, the parsed target, how to bucket. */
export interface FleetView {
  selector: TargetSelector
  devices: readonly RolloutDevice[]
  bucketOf: BucketOf
}

export function observe (spec: DeploymentSpec, fleet: FleetView, reports: ReportsByDevice, range: ObserveRange): Observation {
  const o: Observation = {
    targeted: 0, cohort: 0, cohortReachable: 0, nextBatch: 0, healthy: 0, slice: 0, sliceHealthy: 0, staged: 0, verdicts: 0, failing: 0, crashLooping: 0, onNewVersion: 0,
    metrics: new Map(range.metricNames.map(name => [name, { sum: 0, count: 0 }])), failureSentMs: [], failingSample: []
  }
  for (const device of fleet.devices) {
    if (!matchesTarget(fleet.selector, device)) continue
    o.targeted++
    const bucket = fleet.bucketOf(spec.id, device.id)
    if (bucket >= range.cohortBasisPoints) {
      if (bucket < range.nextBasisPoints) o.nextBatch++
      continue
    }
    o.cohort++
    const inSlice = bucket >= range.sliceBasisPoints
    if (inSlice) o.slice++
    const report = reports.get(device.id)
    const reported = report !== undefined && report.deploymentId === spec.id
    if (reported || device.offline !== true) o.cohortReachable++
    if (!reported) continue
    const healthyBefore = o.healthy
    countReport(o, spec.version, report)
    if (inSlice && o.healthy > healthyBefore) o.sliceHealthy++
  }
  return o
}

function countReport (o: Observation, version: string, r: RolloutReport): void {
  const onVersion = r.appVersion === version
  const hasError = r.errorCode !== ''
  const crashLoop = CRASH_LOOP_PATTERN.test(r.errorMessage) || (r.metrics.get(CRASH_LOOP_MARK) ?? 0) > 0
  const failing = hasError || crashLoop || (onVersion && r.health === Health.UNHEALTHY)
  const good = onVersion && !failing && r.health === Health.HEALTHY
  if (onVersion) o.onNewVersion++
  if (good && r.step === STEP_STAGED) o.staged++
  else if (good) o.healthy++
  if (good || failing) o.verdicts++
  if (crashLoop) o.crashLooping++
  if (failing) {
    o.failing++
    o.failureSentMs.push(r.sentMs)
    if (o.failingSample.length < FAILING_SAMPLE_MAX) o.failingSample.push(r.deviceId)
  }
  if (!onVersion) return
  for (const [name, acc] of o.metrics) {
    const value = r.metrics.get(name)
    if (value !== undefined && Number.isFinite(value)) {
      acc.sum += value
      acc.count++
    }
  }
}
