import { describe, expect, it } from 'vitest'
import { Health } from '../../../proto/index.js'
import { RolloutDriver, syntheticFleet } from './fixtures.js'
import { parseDeploymentSpec, promote, STEP_STAGED } from './index.js'
import type { DeploymentSpecInput } from './index.js'

const MIN = 60_000
const base = { id: 'dep-strategies', app: 'edge-app', version: '2.0.0', rollbackTo: '1.9.0', target: 'group:fleet' }

function driver (input: Partial<DeploymentSpecInput> & Pick<DeploymentSpecInput, 'strategy'>, devices = 200): RolloutDriver {
  return new RolloutDriver(parseDeploymentSpec({ ...base, ...input }), syntheticFleet(devices))
}

const healthyOnNew = (r: RolloutDriver, id: string): boolean => {
  const report = r.reports.get(id)
  return report?.appVersion === '2.0.0' && report.health === Health.HEALTHY && report.step !== STEP_STAGED
}

describe('rolling', () => {
  it.each<[number, number]>([[10, 15], [10, 0], [20, 50], [25, 5]])('batches of %s%% never leave more than %s%% unavailable', (batchPercent, maxUnavailablePercent) => {
    const r = driver({ strategy: 'rolling', rolling: { batchPercent, maxUnavailablePercent, batchDurationMs: 0 } })
    const maxUnavailable = Math.floor(200 * maxUnavailablePercent / 100)
    r.tick()
    for (let round = 0; r.state.status === 'running' && round < 200; round++) {
      const cohort = r.cohort()
      const unavailable = cohort.filter(d => !healthyOnNew(r, d.id))
      const batches = r.plans().length
      // Never more unavailable than allowed, except a batch started when nothing else was.
      if (batches > 1 && unavailable.length > maxUnavailable) {
        const before = r.cohort(r.state.phase - 1)
        expect(before.every(d => healthyOnNew(r, d.id))).toBe(true)
      }
      r.report(unavailable.slice(0, Math.ceil(unavailable.length / 2))) // half of the updating devices finish per minute
      r.tick(MIN)
    }
    expect(r.state.status).toBe('succeeded')
    expect(r.plans().map(p => p.phase)).toEqual(Array.from({ length: Math.ceil(100 / batchPercent) }, (_, i) => i))
  })

  it('holds the next batch while the current one is unhealthy', () => {
    const r = driver({ strategy: 'rolling', rolling: { batchPercent: 10, maxUnavailablePercent: 5, batchDurationMs: 0 } })
    r.tick()
    r.report(r.cohort())
    r.report(r.cohort().slice(0, 1), { health: Health.UNHEALTHY })
    r.tick(MIN)
    expect(r.state.phase).toBe(0)
    r.report(r.cohort().slice(0, 1))
    r.tick(MIN)
    expect(r.state.phase).toBe(1)
  })
})

describe('blue-green', () => {
  it('stages to every device as a standby, then switches all together', () => {
    const r = driver({ strategy: 'blue-green', blueGreen: { stageDurationMs: 5 * MIN, switchDurationMs: 5 * MIN } }, 50)
    r.tick()
    expect(r.plans()).toEqual([{ type: 'publish-plan', seq: 1, phase: 0, phaseBasisPoints: [10000, 10000], rollback: false, standby: true, version: '2.0.0' }])
    r.report(r.devices.slice(0, 49), { step: STEP_STAGED })
    r.tick(5 * MIN)
    expect(r.state.phase).toBe(0) // 49 of 50 staged: the switch waits for every standby
    r.report(r.devices.slice(49), { step: STEP_STAGED })
    r.tick(MIN)
    expect(r.plans().at(-1)).toEqual({ type: 'publish-plan', seq: 2, phase: 1, phaseBasisPoints: [10000, 10000], rollback: false, version: '2.0.0' })
    r.tick(5 * MIN)
    expect(r.state.status).toBe('running') // staged reports do not count as switched
    r.report(r.devices)
    r.tick(MIN)
    expect(r.state.status).toBe('succeeded')
  })

  it('waits for promote before the switch when validation is manual, and rolls back a failing standby', () => {
    const r = driver({ strategy: 'blue-green', blueGreen: { stageDurationMs: 0, validation: 'manual' }, triggers: [{ metric: 'error_rate', threshold: 0.1, minSamples: 5 }] }, 50)
    r.tick()
    r.report(r.devices, { step: STEP_STAGED })
    r.tick(MIN)
    expect(r.state.status).toBe('awaiting-approval')
    const switched = r.apply(promote(r.spec, r.state, r.ctx))
    expect(switched.actions[1]).toMatchObject({ type: 'publish-plan', phase: 1 })

    const failing = driver({ strategy: 'blue-green', triggers: [{ metric: 'error_rate', threshold: 0.1, minSamples: 5 }] }, 50)
    failing.tick()
    failing.report(failing.devices, { step: STEP_STAGED })
    failing.report(failing.devices.slice(0, 10), { step: STEP_STAGED, health: Health.UNHEALTHY })
    failing.tick(MIN)
    expect(failing.state.status).toBe('rolling-back')
    expect(failing.plans().at(-1)).toMatchObject({ rollback: true, phase: 0, version: '1.9.0' })
  })
})

describe('all-at-once', () => {
  it('publishes one plan for every device and succeeds when successPercent of them are healthy', () => {
    const r = driver({ strategy: 'all-at-once', allAtOnce: { durationMs: 10 * MIN } }, 50)
    r.tick()
    expect(r.plans()).toEqual([{ type: 'publish-plan', seq: 1, phase: 0, phaseBasisPoints: [10000], rollback: false, version: '2.0.0' }])
    r.report(r.devices.slice(0, 44))
    r.tick(10 * MIN)
    expect(r.state.status).toBe('running') // 44 of 50 < 90%
    r.report(r.devices.slice(44, 45))
    r.tick()
    expect(r.state.status).toBe('succeeded')
  })
})
