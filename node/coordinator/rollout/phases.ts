/**
 * Every strategy as a list of cumulative phases, so one state machine drives them all: a
 * canary is its phases, rolling is its batches, all-at-once is one phase of 100%, and
 * blue-green is "stage" (100%, as a standby) then "switch" (100%, live).
 */
import { ok as assert } from 'node:assert'
import { COHORT_BUCKETS } from '../../plans/cohort.js'
import type { DeploymentSpec } from './spec.js'

/**
 * What a phase waits for before it passes (on top of its duration and quiet triggers):
 * - `healthy`: enough devices healthy on the new version (`minSamples`; `successPercent` in the last phase);
 * - `staged`: enough devices with a healthy standby (blue-green `stagedPercent`);
 * - `available`: few enough devices updating or unhealthy (rolling `maxUnavailablePercent`).
 */
export type PhaseGate = 'healthy' | 'staged' | 'available'

export interface RolloutPhase {
  name: string
  /** Cumulative: devices with a cohort bucket below this take the version in this phase. */
  basisPoints: number
  /** Minimum time in the phase; past it, an evaluation without a verdict counts as inconclusive. */
  durationMs: number
  validation: 'auto' | 'manual'
  minSamples: number
  /** Blue-green stage: devices install and start the version beside the live one, not switching to it. */
  standby: boolean
  gate: PhaseGate
}

function toBasisPoints (percent: number): number {
  return Math.round(percent * 100)
}

/** Phases an initial/increment canary makes: initial, initial + increment, …, capped by a last phase of 100%. */
export function canaryStepCount (initialPercent: number, incrementPercent: number): number {
  const first = toBasisPoints(initialPercent)
  return first >= COHORT_BUCKETS ? 1 : 1 + Math.ceil((COHORT_BUCKETS - first) / toBasisPoints(incrementPercent))
}

function label (basisPoints: number): string {
  return `${basisPoints / 100}%`
}

/** The phases of a (validated) spec, in order; the last one always covers every targeted device. */
export function rolloutPhases (spec: DeploymentSpec): RolloutPhase[] {
  const base = { minSamples: spec.minSamples, standby: false }
  switch (spec.strategy) {
    case 'canary': {
      if (spec.phases !== undefined) {
        return spec.phases.map(p => ({ ...base, name: label(toBasisPoints(p.percent)), basisPoints: toBasisPoints(p.percent), durationMs: p.durationMs, validation: p.validation, minSamples: p.minSamples ?? spec.minSamples, gate: 'healthy' }))
      }
      const steps = spec.canary
      assert(steps !== undefined, 'a canary spec has canary or phases: validate it with parseDeploymentSpec')
      const count = canaryStepCount(steps.initialPercent, steps.incrementPercent)
      const first = toBasisPoints(steps.initialPercent)
      const increment = toBasisPoints(steps.incrementPercent)
      return Array.from({ length: count }, (_, i) => {
        const basisPoints = Math.min(COHORT_BUCKETS, first + i * increment)
        return { ...base, name: label(basisPoints), basisPoints, durationMs: steps.intervalMs, validation: steps.validation, gate: 'healthy' }
      })
    }
    case 'rolling': {
      const batch = toBasisPoints(spec.rolling.batchPercent)
      const count = Math.ceil(COHORT_BUCKETS / batch)
      return Array.from({ length: count }, (_, i) => ({
        ...base, name: `batch ${i + 1}/${count}`, basisPoints: Math.min(COHORT_BUCKETS, (i + 1) * batch), durationMs: spec.rolling.batchDurationMs, validation: 'auto', gate: 'available'
      }))
    }
    case 'blue-green':
      return [
        { ...base, name: 'stage', basisPoints: COHORT_BUCKETS, durationMs: spec.blueGreen.stageDurationMs, validation: spec.blueGreen.validation, standby: true, gate: 'staged' },
        { ...base, name: 'switch', basisPoints: COHORT_BUCKETS, durationMs: spec.blueGreen.switchDurationMs, validation: 'auto', gate: 'healthy' }
      ]
    case 'all-at-once':
      return [{ ...base, name: 'all', basisPoints: COHORT_BUCKETS, durationMs: spec.allAtOnce.durationMs, validation: 'auto', gate: 'healthy' }]
  }
}
