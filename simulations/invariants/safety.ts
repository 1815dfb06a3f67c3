/**
 * Safety invariants, checked at every event that could break them (STYLE rule 14):
 * - no plan with a bad signature is applied;
 * - no device runs a version its deployment did not allow. "Allowed" is computed here from the
 *   SPEC, independently of the controller: the baseline (rollback) version always; the new
 *   version only on targeted devices inside the cohort of the furthest phase the spec's
 *   durations permit by now (phase k cannot be published before phases 0…k-1 have each lasted
 *   their durationMs). A controller that skips cohorts or phases is caught, not trusted.
 */
import { cohortBucket } from '../../node/plans/cohort.js'
import { matchesTarget, parseTarget } from '../../node/plans/target-selector.js'
import { rolloutPhases } from '../../node/coordinator/rollout/index.js'
import type { Violation } from './violation.js'
import type { DeploymentSpec } from '../../node/coordinator/rollout/index.js'
import type { Device, DeviceObserver } from '../device/index.js'
import type { Simulation } from '../engine/index.js'
import type { PlanMessage } from '../gossip/index.js'

/** Violations kept in full; the rest are counted (a broken run must not fill memory). */
export const VIOLATIONS_KEPT_MAX = 50

export class SafetyChecker implements DeviceObserver {
  readonly violations: Violation[] = []
  violationCount = 0
  /** When the deployment's first plan went out (the spec's phase clock starts). */
  startedMs: number | undefined
  private readonly phaseEndsMs: number[]
  private readonly phaseBasisPoints: number[]
  private readonly selector

  constructor (private readonly sim: Simulation, private readonly spec: DeploymentSpec, private readonly baseline: string) {
    const phases = rolloutPhases(spec)
    this.phaseBasisPoints = phases.map(p => p.basisPoints)
    let sum = 0
    this.phaseEndsMs = phases.map(p => (sum += p.durationMs))
    this.selector = parseTarget(spec.target)
  }

  onPublish (): void {
    this.startedMs ??= this.sim.nowMs
  }

  onApply (device: Device, message: PlanMessage): void {
    if (!message.signatureValid) {
      this.violate('no-forged-plan-applied', `${device.identity.id} applied plan ${message.plan.deploymentId}#${message.plan.seq} whose signature does not verify`)
    }
  }

  onStart (device: Device, version: string): void { this.checkVersion(device, version, 'started') }
  onSwitch (device: Device, version: string): void { this.checkVersion(device, version, 'switched to') }

  /** Basis points of the furthest cohort the spec permits at `nowMs`. */
  allowedBasisPoints (nowMs: number): number {
    if (this.startedMs === undefined) return 0
    const elapsed = nowMs - this.startedMs
    let k = 0
    while (k + 1 < this.phaseBasisPoints.length && (this.phaseEndsMs[k] as number) <= elapsed) k++
    return this.phaseBasisPoints[k] as number
  }

  private checkVersion (device: Device, version: string, what: string): void {
    if (version === this.baseline) return
    const id = device.identity.id
    if (version !== this.spec.version) {
      this.violate('allowed-version', `${id} ${what} ${version}, which no valid plan of ${this.spec.id} names`)
      return
    }
    if (!matchesTarget(this.selector, device.identity)) {
      this.violate('allowed-version', `${id} ${what} ${version} but is not targeted by '${this.spec.target}'`)
      return
    }
    const limit = this.allowedBasisPoints(this.sim.nowMs)
    const bucket = cohortBucket(this.spec.id, id)
    if (bucket >= limit) {
      const elapsed = this.startedMs === undefined ? 'before the deployment started' : `${this.sim.nowMs - this.startedMs} ms into the deployment`
      this.violate('allowed-version', `${id} ${what} ${version} ${elapsed}, with cohort bucket ${bucket}; the spec allows buckets below ${limit} by then`)
    }
  }

  violate (invariant: string, message: string): void {
    this.violationCount++
    this.sim.note(`violation ${invariant}`)
    if (this.violations.length < VIOLATIONS_KEPT_MAX) this.violations.push({ atMs: this.sim.elapsedMs, kind: 'safety', invariant, message })
  }
}
