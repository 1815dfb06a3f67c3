import { describe, expect, it } from 'vitest'
import { DeploymentSpecError } from './errors.js'
import { rolloutPhases } from './phases.js'
import { parseDeploymentSpec } from './spec.js'
import { matchesTarget, parseTarget } from './target.js'
import type { DeploymentSpecInput } from './spec.js'

const base = { id: 'dep-1', app: 'edge-app', version: '2.0.0', rollbackTo: '1.9.0', target: 'group:berlin' }
const canary: DeploymentSpecInput = { ...base, strategy: 'canary', canary: { initialPercent: 5, incrementPercent: 15, intervalMs: 600_000 } }

describe('deployment spec', () => {
  it.each<[string, DeploymentSpecInput, number[], string[]]>([
    ['canary from --initial 5% --increment 15%', canary, [500, 2000, 3500, 5000, 6500, 8000, 9500, 10000], Array(8).fill('auto')],
    ['canary from explicit phases', { ...base, strategy: 'canary', phases: [{ percent: 5, durationMs: 1 }, { percent: 20, durationMs: 1, validation: 'manual' }, { percent: 100, durationMs: 1 }] }, [500, 2000, 10000], ['auto', 'manual', 'auto']],
    ['canary of one 100% phase', { ...base, strategy: 'canary', canary: { initialPercent: 100, incrementPercent: 1, intervalMs: 0 } }, [10000], ['auto']],
    ['canary with basis points', { ...base, strategy: 'canary', phases: [{ percent: 0.01, durationMs: 1 }, { percent: 100, durationMs: 1 }] }, [1, 10000], ['auto', 'auto']],
    ['rolling in 30% batches', { ...base, strategy: 'rolling', rolling: { batchPercent: 30, maxUnavailablePercent: 10 } }, [3000, 6000, 9000, 10000], Array(4).fill('auto')],
    ['blue-green with manual switch', { ...base, strategy: 'blue-green', blueGreen: { validation: 'manual' } }, [10000, 10000], ['manual', 'auto']],
    ['all-at-once', { ...base, strategy: 'all-at-once' }, [10000], ['auto']]
  ])('%s', (_name, input, basisPoints, validations) => {
    const phases = rolloutPhases(parseDeploymentSpec(input))
    expect(phases.map(p => p.basisPoints)).toEqual(basisPoints)
    expect(phases.map(p => p.validation)).toEqual(validations)
  })

  it('fills defaults and marks the blue-green stage as a standby', () => {
    const spec = parseDeploymentSpec({ ...base, strategy: 'blue-green', triggers: [{ metric: 'error_rate', threshold: 0.05 }] })
    expect(spec.triggers[0]).toEqual({ metric: 'error_rate', threshold: 0.05, minSamples: 5, action: 'immediate' })
    expect(rolloutPhases(spec).map(p => [p.name, p.standby, p.gate])).toEqual([['stage', true, 'staged'], ['switch', false, 'healthy']])
  })

  it.each<[string, unknown, string]>([
    ['no strategy', { ...base }, 'strategy'],
    ['an unknown strategy', { ...base, strategy: 'big-bang' }, 'strategy'],
    ['a bad id', { ...canary, id: 'has space' }, 'id'],
    ['a bad version', { ...canary, version: '' }, 'version'],
    ['rollbackTo equal to the version', { ...canary, rollbackTo: '2.0.0' }, 'rollbackTo'],
    ['a bad target', { ...canary, target: 'group:' }, 'target'],
    ['a target that is no selector', { ...canary, target: 'site' }, 'target'],
    ['a zero percent', { ...canary, canary: { initialPercent: 0, incrementPercent: 15, intervalMs: 1 } }, 'canary.initialPercent'],
    ['three decimals', { ...canary, canary: { initialPercent: 0.005, incrementPercent: 15, intervalMs: 1 } }, 'canary.initialPercent'],
    ['too many phases', { ...canary, canary: { initialPercent: 0.01, incrementPercent: 0.5, intervalMs: 1 } }, 'canary.incrementPercent'],
    ['a negative interval', { ...canary, canary: { initialPercent: 5, incrementPercent: 15, intervalMs: -1 } }, 'canary.intervalMs'],
    ['both canary forms', { ...canary, phases: [{ percent: 100, durationMs: 1 }] }, 'canary'],
    ['neither canary form', { ...base, strategy: 'canary' }, 'canary'],
    ['shrinking phases', { ...base, strategy: 'canary', phases: [{ percent: 20, durationMs: 1 }, { percent: 5, durationMs: 1 }, { percent: 100, durationMs: 1 }] }, 'phases[1].percent'],
    ['phases short of 100%', { ...base, strategy: 'canary', phases: [{ percent: 5, durationMs: 1 }, { percent: 50, durationMs: 1 }] }, 'phases[1].percent'],
    ['a bad validation', { ...base, strategy: 'canary', phases: [{ percent: 100, durationMs: 1, validation: 'maybe' }] }, 'phases[0].validation'],
    ['an unknown trigger metric', { ...canary, triggers: [{ metric: 'latency', threshold: 1 }] }, 'triggers[0].metric'],
    ['an error rate given in percent', { ...canary, triggers: [{ metric: 'error_rate', threshold: 5 }] }, 'triggers[0].threshold'],
    ['a bad trigger action', { ...canary, triggers: [{ metric: 'crash_loop', threshold: 0.1, action: 'later' }] }, 'triggers[0].action'],
    ['zero min samples', { ...canary, triggers: [{ metric: 'cpu_usage', threshold: 90, minSamples: 0 }] }, 'triggers[0].minSamples'],
    ['a breaker without window', { ...canary, circuitBreaker: { failuresMax: 3 } }, 'circuitBreaker.windowMs'],
    ['rolling without options', { ...base, strategy: 'rolling' }, 'rolling'],
    ['an unknown field', { ...canary, speed: 'fast' }, 'speed'],
    ['a field of another strategy', { ...canary, rolling: { batchPercent: 10, maxUnavailablePercent: 10 } }, 'rolling'],
    ['a duration in the far future', { ...base, strategy: 'all-at-once', allAtOnce: { durationMs: 1e12 } }, 'allAtOnce.durationMs']
  ])('refuses %s, naming the field', (_name, input, path) => {
    let error: unknown
    try {
      parseDeploymentSpec(input)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(DeploymentSpecError)
    const e = error as DeploymentSpecError
    expect(e.code).toBe('FLEET_ERR_DEPLOYMENT_SPEC')
    expect(e.issues.map(i => i.path)).toContain(path)
    expect(e.message).toContain(`${path}: `)
  })
})

describe('targets', () => {
  const berlin = { id: 'dev-1', labels: { site: 'berlin', tier: 'prod' }, groups: ['berlin', 'pis'] }
  const paris = { id: 'dev-2', labels: { site: 'paris' }, groups: ['paris'] }
  it.each<[string, boolean, boolean]>([
    ['group:berlin', true, false],
    ['group:paris,berlin', true, true],
    ['site=berlin', true, false],
    ['site=berlin,tier=prod', true, false],
    ['site=berlin,tier=test', false, false],
    ['tier!=prod', false, true],
    ['ids:dev-2,dev-9', false, true],
    ['all', true, true]
  ])('%s', (target, matchesBerlin, matchesParis) => {
    expect(matchesTarget(target, berlin)).toBe(matchesBerlin)
    expect(matchesTarget(parseTarget(target), paris)).toBe(matchesParis)
  })

  it('does not read labels from the prototype', () => {
    expect(matchesTarget('constructor=x', { id: 'a', labels: {}, groups: [] })).toBe(false)
  })

  it('refuses over-long id lists with a hint', () => {
    const ids = Array.from({ length: 1_001 }, (_, i) => `dev-${i}`).join(',')
    expect(() => parseTarget(`ids:${ids}`)).toThrow(/over 1000.*group:NAME/)
  })
})
