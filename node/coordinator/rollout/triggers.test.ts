import { describe, expect, it } from 'vitest'
import { Health } from '../../../proto/index.js'
import { RolloutDriver, syntheticFleet } from './fixtures.js'
import { circuitBreaker, parseDeploymentSpec, REASON, resume, rollback } from './index.js'
import type { DeploymentSpecInput, RolloutDevice, RolloutReport } from './index.js'

const MIN = 60_000
const base = { id: 'dep-triggers', app: 'edge-app', version: '2.0.0', rollbackTo: '1.9.0', target: 'group:fleet' }
const phases = [{ percent: 5, durationMs: 10 * MIN }, { percent: 20, durationMs: 10 * MIN }, { percent: 100, durationMs: 10 * MIN }]

function driver (extra: Partial<DeploymentSpecInput>): RolloutDriver {
  return new RolloutDriver(parseDeploymentSpec({ ...base, strategy: 'canary', phases, minSamples: 3, ...extra }), syntheticFleet(400))
}

/** Healthy reports for the cohort, then `bad` applied to its first `count` devices. */
function cohortWith (r: RolloutDriver, count: number, bad: Partial<RolloutReport>): RolloutDevice[] {
  const cohort = r.cohort()
  r.report(cohort)
  r.report(cohort.slice(0, count), bad)
  return cohort
}

const metrics = (entries: Record<string, number>): Map<string, number> => new Map(Object.entries(entries))

describe('rollback triggers', () => {
  // Phase 0 has 20+ devices in a fleet of 400; each row makes `count` of them report `bad`.
  it.each<[string, DeploymentSpecInput['triggers'], number, Partial<RolloutReport>, boolean]>([
    ['error_rate above threshold (UNHEALTHY)', [{ metric: 'error_rate', threshold: 0.1, minSamples: 5 }], 6, { health: Health.UNHEALTHY }, true],
    ['error_rate above threshold (error code, old version)', [{ metric: 'error_rate', threshold: 0.1, minSamples: 5 }], 6, { appVersion: '1.9.0', errorCode: 'FLEET_ERR_HEALTH_CHECK_FAILED' }, true],
    ['error_rate under threshold', [{ metric: 'error_rate', threshold: 0.5, minSamples: 5 }], 6, { health: Health.UNHEALTHY }, false],
    ['crash_loop from the agent error', [{ metric: 'crash_loop', threshold: 0.1, minSamples: 5 }], 6, { errorCode: 'FLEET_ERR_STEP_FAILED', errorMessage: 'crash_loop: 5 exits within a minute' }, true],
    ['crash_loop as node/plans reports it', [{ metric: 'crash_loop', threshold: 0.1, minSamples: 5 }], 6, { appVersion: '1.9.0', health: Health.UNHEALTHY, errorCode: 'FLEET_ERR_STEP_FAILED', errorMessage: 'edge-app@2.0.0 failed (attempt 1): await-healthy: crash_loop: 5 exits within a minute' }, true],
    ['crash_loop from the metric', [{ metric: 'crash_loop', threshold: 0.1, minSamples: 5 }], 6, { metrics: metrics({ crash_loop: 3 }) }, true],
    ['crash_loop not counting other errors', [{ metric: 'crash_loop', threshold: 0.1, minSamples: 5 }], 6, { health: Health.UNHEALTHY }, false],
    ['cpu_usage mean above threshold', [{ metric: 'cpu_usage', threshold: 50, minSamples: 3 }], 1_000, { metrics: metrics({ cpu_usage: 80 }) }, true],
    ['cpu_usage mean under threshold', [{ metric: 'cpu_usage', threshold: 50, minSamples: 3 }], 1_000, { metrics: metrics({ cpu_usage: 20 }) }, false],
    ['custom metric above threshold', [{ metric: 'custom:queue_depth', threshold: 100, minSamples: 3 }], 1_000, { metrics: metrics({ queue_depth: 500 }) }, true],
    ['custom metric of the old version ignored', [{ metric: 'custom:queue_depth', threshold: 100, minSamples: 3 }], 1_000, { appVersion: '1.9.0', metrics: metrics({ queue_depth: 500 }) }, false]
  ])('%s', (_name, triggers, count, bad, fires) => {
    const r = driver({ triggers })
    r.tick()
    cohortWith(r, count, bad)
    r.tick(MIN)
    expect(r.state.status).toBe(fires ? 'rolling-back' : 'running')
    if (fires) {
      expect(r.state.reason?.code).toBe(REASON.trigger)
      expect(r.plans().at(-1)).toMatchObject({ seq: 2, rollback: true, phase: 0, version: '1.9.0' })
    }
  })

  it('asks a small cohort for samples from the devices that can still report, not from one that went offline', () => {
    // 10 devices, a 60% first phase: a cohort smaller than the trigger's 5 samples once one is cut off.
    const r = new RolloutDriver(parseDeploymentSpec({
      ...base, strategy: 'canary', minSamples: 1, evaluationIntervalMs: MIN,
      phases: [{ percent: 60, durationMs: MIN }, { percent: 100, durationMs: MIN }], triggers: [{ metric: 'error_rate', threshold: 0.2, minSamples: 5 }]
    }), syntheticFleet(10))
    r.tick()
    const cohort = r.cohort()
    expect(cohort.length).toBeGreaterThanOrEqual(2)
    expect(cohort.length).toBeLessThanOrEqual(5)
    const [cutOff, ...others] = cohort
    if (cutOff == null) throw new Error('empty cohort')
    r.report(others)
    r.tick(MIN)
    // Still online: its sample may yet come, so the trigger waits for it.
    expect(r.state.phase).toBe(0)
    expect(r.state.status).toBe('running')
    cutOff.offline = true
    r.tick(MIN)
    expect(r.state.phase).toBe(1)
    expect(r.state.status).toBe('running')
  })

  it('still holds the phase when no device of the cohort can report', () => {
    const r = new RolloutDriver(parseDeploymentSpec({
      ...base, strategy: 'canary', minSamples: 1, evaluationIntervalMs: MIN,
      phases: [{ percent: 60, durationMs: MIN }, { percent: 100, durationMs: MIN }], triggers: [{ metric: 'error_rate', threshold: 0.2, minSamples: 5 }]
    }), syntheticFleet(10))
    r.tick()
    for (const d of r.cohort()) d.offline = true
    r.tick(MIN)
    r.tick(MIN)
    // The phase gate itself needs a healthy device of its own slice: no evidence, no progress.
    expect(r.state.phase).toBe(0)
    expect(r.state.status).toBe('running')
  })

  it('pauses instead of rolling back when there is no version to return to', () => {
    const r = new RolloutDriver(parseDeploymentSpec({ ...base, rollbackTo: undefined, strategy: 'canary', phases, triggers: [{ metric: 'error_rate', threshold: 0.1, minSamples: 3 }] }), syntheticFleet(400))
    r.tick()
    cohortWith(r, 5, { health: Health.UNHEALTHY })
    r.tick(MIN)
    expect(r.state.status).toBe('paused')
    expect(r.state.reason?.code).toBe(REASON.trigger)
    expect(r.state.reason?.message).toContain('no rollbackTo')
    r.tick(MIN)
    expect(r.state.status).toBe('paused')
    expect(r.plans()).toHaveLength(1)
    expect(() => rollback(r.spec, r.state, r.ctx, 'please')).toThrow(/no rollbackTo/)
  })

  it('does not fire before its minimum sample', () => {
    const r = driver({ triggers: [{ metric: 'error_rate', threshold: 0.1, minSamples: 10 }] })
    r.tick()
    r.report(r.cohort().slice(0, 9), { health: Health.UNHEALTHY })
    r.tick(MIN)
    expect(r.state.status).toBe('running')
    r.report(r.cohort().slice(9, 10), { health: Health.UNHEALTHY })
    r.tick(MIN)
    expect(r.state.status).toBe('rolling-back')
  })

  it('rolls back immediately every device that took the version, and completes on their reports', () => {
    const r = driver({ minSamples: 1, triggers: [{ metric: 'error_rate', threshold: 0.1, minSamples: 5 }] })
    r.tick()
    r.report(r.cohort())
    r.tick(10 * MIN)
    r.report(r.cohort())
    r.tick(10 * MIN)
    expect(r.state.phase).toBe(2)
    const took = r.cohort().slice(0, 50)
    r.report(took)
    r.report(took.slice(0, 30), { health: Health.UNHEALTHY })
    r.tick(MIN)
    expect(r.state.status).toBe('rolling-back')
    expect(r.plans().at(-1)).toMatchObject({ rollback: true, phase: 2, phaseBasisPoints: [500, 2000, 10000], version: '1.9.0' })

    const onNew = r.devices.filter(d => r.reports.get(d.id)?.appVersion === '2.0.0')
    r.report(onNew.slice(1), { appVersion: '1.9.0' })
    r.tick(MIN)
    expect(r.state.status).toBe('rolling-back') // one device still reports 2.0.0
    r.report(onNew.slice(0, 1), { appVersion: '1.9.0' })
    r.tick(MIN)
    expect(r.state.status).toBe('rolled-back')
    expect(r.state.reason?.code).toBe(REASON.rollbackComplete)
  })

  it('fails a rollback that does not complete in time, naming how many devices are left', () => {
    const r = driver({ rollbackTimeoutMs: 30 * MIN, triggers: [{ metric: 'error_rate', threshold: 0.1, minSamples: 3 }] })
    r.tick()
    cohortWith(r, 5, { health: Health.UNHEALTHY })
    r.tick(MIN)
    expect(r.actions.at(-1)).toEqual({ type: 'wake-at', atMs: r.nowMs + 30 * MIN })
    r.tick(30 * MIN)
    expect(r.state.status).toBe('failed')
    expect(r.state.reason?.message).toMatch(/^\d+ device\(s\) still report 2.0.0/)
  })

  it('rolls back gradually, phase by phase, each step after its devices report the old version', () => {
    const r = driver({ minSamples: 1, triggers: [{ metric: 'error_rate', threshold: 0.1, minSamples: 5, action: 'gradual' }] })
    r.tick()
    r.report(r.cohort())
    r.tick(10 * MIN)
    r.report(r.cohort())
    r.tick(10 * MIN)
    r.report(r.cohort())
    r.report(r.cohort().slice(0, 100), { health: Health.UNHEALTHY })
    r.tick(MIN)
    expect(r.state.status).toBe('rolling-back')
    expect(r.state.rollback).toMatchObject({ mode: 'gradual', step: 0 })
    expect(r.plans().at(-1)).toMatchObject({ rollback: true, phase: 0 })

    for (const step of [0, 1, 2]) {
      r.tick(MIN)
      expect(r.state.rollback?.step).toBe(step) // waits for the step's devices
      r.report(r.cohort(step), { appVersion: '1.9.0' })
      r.tick(MIN)
    }
    expect(r.state.status).toBe('rolled-back')
    expect(r.plans().filter(p => p.rollback).map(p => p.phase)).toEqual([0, 1, 2])
  })

  it('escalates a gradual step that waits too long to the whole cohort', () => {
    const r = driver({ minSamples: 1, gradualStepTimeoutMs: 5 * MIN, triggers: [{ metric: 'error_rate', threshold: 0.1, minSamples: 5, action: 'gradual' }] })
    r.tick()
    r.report(r.cohort())
    r.tick(10 * MIN)
    r.report(r.cohort(), { health: Health.UNHEALTHY })
    r.tick(MIN)
    expect(r.state.rollback).toMatchObject({ mode: 'gradual', step: 0 })
    r.tick(5 * MIN)
    expect(r.state.rollback).toMatchObject({ mode: 'immediate', step: 1 })
    expect(r.actions.some(a => a.type === 'audit' && a.event === 'rollback-escalated')).toBe(true)
  })
})

describe('circuit breaker', () => {
  const breaker = { failuresMax: 3, windowMs: MIN }
  // A high error_rate threshold keeps the trigger quiet: the breaker acts on clustering alone.
  const spec = { circuitBreaker: breaker, triggers: [{ metric: 'error_rate' as const, threshold: 0.9, minSamples: 1 }] }

  it.each<[string, number[], boolean]>([
    ['3 failures within a minute', [0, 20_000, 50_000], true],
    ['3 failures spread over hours', [0, 3_600_000, 7_200_000], false],
    ['2 failures', [0, 1_000], false],
    ['a cluster among spread failures', [0, 600_000, 610_000, 640_000], true]
  ])('%s', (_name, offsets, trips) => {
    const r = driver(spec)
    r.tick()
    const cohort = r.cohort()
    r.report(cohort)
    offsets.forEach((offset, i) => r.report(cohort.slice(i, i + 1), { health: Health.UNHEALTHY, sentMs: r.nowMs + offset }))
    r.tick(MIN)
    expect(r.state.status).toBe(trips ? 'paused' : 'running')
    if (trips) expect(r.state.reason?.code).toBe(REASON.circuitBreaker)
    expect(r.plans()).toHaveLength(1) // propagation stopped, nothing rolled back
  })

  it('ignores failures sent before a resume, and trips again on a new cluster', () => {
    const r = driver(spec)
    r.tick()
    const cohort = r.cohort()
    r.report(cohort)
    r.report(cohort.slice(0, 3), { health: Health.UNHEALTHY })
    r.tick(MIN)
    expect(r.state.status).toBe('paused')
    r.apply(resume(r.spec, r.state, r.ctx))
    r.tick(MIN)
    expect(r.state.status).toBe('running')
    r.report(cohort.slice(3, 6), { health: Health.UNHEALTHY })
    r.tick(MIN)
    expect(r.state.status).toBe('paused')
  })

  it('finds the densest window by send time, not by arrival', () => {
    expect(circuitBreaker(breaker, [5_000, 1_000, 60_999], 0).tripped).toBe(true)
    expect(circuitBreaker(breaker, [5_000, 1_000, 61_001], 0).tripped).toBe(false)
    expect(circuitBreaker(breaker, [5_000, 1_000, 30_000], 2_000).tripped).toBe(false)
  })
})
