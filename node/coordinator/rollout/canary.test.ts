import { describe, expect, it } from 'vitest'
import { Health } from '../../../proto/index.js'
import { RolloutDriver, syntheticFleet, T0_MS } from './fixtures.js'
import { parseDeploymentSpec, promote, REASON } from './index.js'
import type { DeploymentSpecInput } from './index.js'

const MIN = 60_000
const base = { id: 'dep-canary', app: 'edge-app', version: '2.0.0', rollbackTo: '1.9.0', target: 'group:fleet' }

function canary (extra: Partial<DeploymentSpecInput> = {}, validation: 'auto' | 'manual' = 'auto'): RolloutDriver {
  const spec = parseDeploymentSpec({
    ...base,
    strategy: 'canary',
    phases: [{ percent: 5, durationMs: 10 * MIN, validation }, { percent: 20, durationMs: 10 * MIN }, { percent: 100, durationMs: 10 * MIN }],
    minSamples: 3,
    triggers: [{ metric: 'error_rate', threshold: 0.2, minSamples: 3 }],
    ...extra
  })
  return new RolloutDriver(spec, syntheticFleet(400))
}

describe('canary', () => {
  it('goes 5% → 20% → 100% only on healthy reports after each phase duration', () => {
    const r = canary()
    r.tick()
    expect(r.state.status).toBe('running')
    expect(r.plans().map(p => [p.seq, p.phase, p.rollback])).toEqual([[1, 0, false]])
    expect(r.plans()[0]?.phaseBasisPoints).toEqual([500, 2000, 10000])
    expect(r.cohort(0).length).toBeGreaterThanOrEqual(10)

    r.report(r.cohort(0))
    r.tick(5 * MIN)
    expect(r.state.phase).toBe(0) // healthy, but the phase lasts 10 minutes

    r.tick(5 * MIN)
    expect(r.state.phase).toBe(1)
    expect(r.plans().at(-1)).toMatchObject({ seq: 2, phase: 1, rollback: false, version: '2.0.0' })

    r.tick(10 * MIN) // the 20% cohort has not reported: no timer pretends it succeeded
    expect(r.state.phase).toBe(1)
    r.report(r.cohort(1))
    r.tick()
    expect(r.state.phase).toBe(2)

    r.report(r.cohort(2).slice(0, 300)) // 75% healthy, under successPercent (90)
    r.tick(10 * MIN)
    expect(r.state.status).toBe('running')
    r.report(r.cohort(2))
    r.tick()
    expect(r.state.status).toBe('succeeded')
    expect(r.plans().map(p => p.seq)).toEqual([1, 2, 3])
    expect(r.actions.filter(a => a.type === 'audit').map(a => a.type === 'audit' ? a.event : '')).toEqual(['started', 'phase-advanced', 'phase-advanced', 'succeeded'])
  })

  it.each<[string, (r: RolloutDriver) => void, boolean]>([
    ['min samples reached', r => r.report(r.cohort(0).slice(0, 3)), true],
    ['min samples not reached', r => r.report(r.cohort(0).slice(0, 2)), false],
    ['healthy on the old version', r => r.report(r.cohort(0), { appVersion: '1.9.0' }), false],
    ['still starting', r => r.report(r.cohort(0), { health: Health.STARTING }), false],
    ['health unknown (a measurement error)', r => r.report(r.cohort(0), { health: Health.UNKNOWN }), false],
    ['reports of another deployment', r => r.report(r.cohort(0), { deploymentId: 'dep-other' }), false],
    ['healthy with one failure under the threshold', r => { r.report(r.cohort(0)); r.report(r.cohort(0).slice(0, 1), { health: Health.UNHEALTHY }) }, true]
  ])('phase 0 with %s', (_name, reportPhase0, advances) => {
    const r = canary()
    r.tick()
    reportPhase0(r)
    r.tick(10 * MIN)
    expect(r.state.phase).toBe(advances ? 1 : 0)
    expect(r.state.status).toBe('running')
  })

  it('waits for approval on a manual phase until promote', () => {
    const r = canary({}, 'manual')
    r.tick()
    r.report(r.cohort(0))
    r.tick(10 * MIN)
    expect(r.state.status).toBe('awaiting-approval')
    r.tick(60 * MIN)
    expect(r.state.status).toBe('awaiting-approval')
    expect(r.plans()).toHaveLength(1)
    r.apply(promote(r.spec, r.state, r.ctx, { actor: 'alice' }))
    expect(r.state).toMatchObject({ status: 'running', phase: 1, planSeq: 2 })
    expect(r.actions.find(a => a.type === 'audit' && a.event === 'promoted')).toMatchObject({ detail: { actor: 'alice', promotedPhase: '5%' } })
  })

  it('still rolls back while awaiting approval when a trigger fires', () => {
    const r = canary({}, 'manual')
    r.tick()
    r.report(r.cohort(0))
    r.tick(10 * MIN)
    r.report(r.cohort(0).slice(0, 5), { health: Health.UNHEALTHY })
    r.tick(MIN)
    expect(r.state.status).toBe('rolling-back')
  })

  it('pauses as inconclusive after consecutive evaluations without a verdict, never aborting', () => {
    const r = canary({ consecutiveInconclusiveMax: 3, evaluationIntervalMs: MIN })
    r.tick()
    r.report(r.cohort(0), { health: Health.UNKNOWN })
    r.tick(10 * MIN) // 1
    for (let i = 0; i < 20; i++) r.tick(1_000) // more calls within the interval do not count
    expect(r.state.inconclusiveCount).toBe(1)
    r.tick(MIN) // 2
    expect(r.state.status).toBe('running')
    r.tick(MIN) // 3
    expect(r.state.status).toBe('paused')
    expect(r.state.reason?.code).toBe(REASON.inconclusive)
    expect(r.state.reason?.message).toMatch(/3 evaluations without a verdict \(0 of the phase's \d+ devices healthy on 2.0.0, 3 needed; error_rate: 0 of 3 samples needed\)/)
    expect(r.plans().every(p => !p.rollback)).toBe(true)
  })

  it('counts a trigger short of samples as inconclusive even when the gate is met', () => {
    const r = canary({ minSamples: 1, triggers: [{ metric: 'custom:queue_depth', threshold: 100, minSamples: 3 }], consecutiveInconclusiveMax: 1 })
    r.tick()
    r.report(r.cohort(0)) // healthy, but no queue_depth metric: the trigger cannot judge
    r.tick(10 * MIN)
    expect(r.state.status).toBe('paused')
    expect(r.state.reason?.message).toContain('custom:queue_depth: 0 of 3 samples needed')
  })

  it('rolls back when not promoted by the deadline, and not once the last phase is reached', () => {
    const r = canary({ promoteDeadlineMs: T0_MS + 60 * MIN }, 'manual')
    r.tick()
    r.report(r.cohort(0))
    r.tick(10 * MIN)
    expect(r.state.status).toBe('awaiting-approval')
    const wake = r.actions.at(-1)
    expect(wake).toEqual({ type: 'wake-at', atMs: T0_MS + 60 * MIN })
    r.tick(50 * MIN)
    expect(r.state.status).toBe('rolling-back')
    expect(r.state.reason?.code).toBe(REASON.promoteDeadline)
    expect(r.plans().at(-1)).toMatchObject({ rollback: true, phase: 0, version: '1.9.0' })

    const promoted = canary({ promoteDeadlineMs: T0_MS + 60 * MIN })
    promoted.tick()
    promoted.report(promoted.cohort(0))
    promoted.tick(10 * MIN)
    promoted.report(promoted.cohort(1))
    promoted.tick(10 * MIN)
    expect(promoted.state.phase).toBe(2)
    promoted.tick(60 * MIN)
    expect(promoted.state.status).toBe('running')
  })

  it('fails at once when the target matches no device', () => {
    const r = canary({ target: 'group:nowhere' })
    r.tick()
    expect(r.state.status).toBe('failed')
    expect(r.state.reason?.code).toBe(REASON.noTargetDevices)
    expect(r.plans()).toHaveLength(0)
  })

  it('builds its phases from --initial/--increment/--interval', () => {
    const spec = parseDeploymentSpec({ ...base, strategy: 'canary', canary: { initialPercent: 5, incrementPercent: 15, intervalMs: 10 * MIN }, minSamples: 1 })
    const r = new RolloutDriver(spec, syntheticFleet(400))
    r.tick()
    for (let phase = 0; r.state.status === 'running'; phase++) {
      r.report(r.cohort())
      r.tick(10 * MIN)
      expect(phase).toBeLessThan(10)
    }
    expect(r.state.status).toBe('succeeded')
    expect(r.plans().map(p => p.phase)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
  })
})
