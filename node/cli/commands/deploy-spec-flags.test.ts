import { describe, expect, it } from 'vitest'
import { deploymentSpecSchema } from '../../coordinator/rollout/spec.js'
import { UsageError } from '../args.js'
import { deploymentBody } from './deploy-spec-flags.js'
import { parseTrigger } from './deploy-triggers.js'
import { parseDurationMs, parsePercent, splitWords } from './flag-units.js'
import type { DeployFlags } from './deploy-spec-flags.js'

const NOW = 1_700_000_000_000
const base = { app: 'edge-app', target: 'group:berlin' }
const body = (flags: DeployFlags, phasesText?: string): ReturnType<typeof deploymentBody> =>
  deploymentBody('deploy create', flags, { nowMs: NOW, ...(phasesText != null ? { phasesText } : {}) })
/** What the server does with the body: fill id and version, then the rollout controller's schema. */
const validate = (b: ReturnType<typeof deploymentBody>): unknown => deploymentSpecSchema.parse({ id: 'dep-1', version: '2.0.0', ...b })

describe('flag units', () => {
  it('reads durations with units and refuses bare numbers', () => {
    expect(parseDurationMs('c', 'interval', '10m')).toBe(600_000)
    expect(parseDurationMs('c', 'interval', '1h30m')).toBe(5_400_000)
    expect(parseDurationMs('c', 'interval', '500ms')).toBe(500)
    expect(parseDurationMs('c', 'interval', '2d')).toBe(172_800_000)
    expect(() => parseDurationMs('c', 'interval', '10')).toThrow(/--interval takes a duration like 30s.*got '10' \(a number needs a unit/)
    expect(() => parseDurationMs('c', 'interval', '10 minutes')).toThrow(UsageError)
  })

  it('reads percentages with the % sign, in range, in basis points', () => {
    expect(parsePercent('c', 'initial', '5%')).toBe(5)
    expect(parsePercent('c', 'initial', '0.25%')).toBe(0.25)
    expect(() => parsePercent('c', 'initial', '5')).toThrow(/--initial takes a percentage like 5%/)
    expect(() => parsePercent('c', 'initial', '150%')).toThrow(/--initial must be from 0.01% to 100%, got '150%'/)
    expect(() => parsePercent('c', 'initial', '0.001%')).toThrow(/--initial must be from/)
    expect(() => parsePercent('c', 'initial', '1.234%')).toThrow(/more than two decimals/)
  })

  it('splits an exec health check into words, quotes keeping spaces', () => {
    expect(splitWords('c', 'health-exec', "/bin/check --url 'http://x/a b'")).toEqual(['/bin/check', '--url', 'http://x/a b'])
    expect(() => splitWords('c', 'health-exec', "/bin/check 'open")).toThrow(/unclosed quote/)
    expect(() => splitWords('c', 'health-exec', '  ')).toThrow(/needs a command/)
  })
})

describe('deploy create flags → deployment spec', () => {
  it('canary steps, triggers, deadline and every common option', () => {
    const b = body({
      ...base, strategy: 'canary', initial: '5%', increment: '15%', interval: '10m', validation: 'manual', version: '2.0.0', 'rollback-to': '1.9.0',
      'rollback-on-error': '5%', trigger: ['metric=crash_loop,threshold=10%,action=gradual,min-samples=10', 'metric=latency_ms,threshold=250'],
      'promote-deadline': '2h', 'min-samples': '3', success: '95%', 'inconclusive-max': '4', 'evaluation-interval': '30s',
      'circuit-breaker': 'failures=3,window=5m', 'rollback-timeout': '1h', 'gradual-step-timeout': '10m', id: 'rel-42'
    })
    expect(b).toEqual({
      ...base, strategy: 'canary', version: '2.0.0', rollbackTo: '1.9.0', id: 'rel-42',
      canary: { initialPercent: 5, incrementPercent: 15, intervalMs: 600_000, validation: 'manual' },
      triggers: [
        { metric: 'error_rate', threshold: 0.05, action: 'immediate' },
        { metric: 'crash_loop', threshold: 0.1, action: 'gradual', minSamples: 10 },
        { metric: 'custom:latency_ms', threshold: 250 }
      ],
      promoteDeadlineMs: NOW + 7_200_000, minSamples: 3, successPercent: 95, consecutiveInconclusiveMax: 4, evaluationIntervalMs: 30_000,
      circuitBreaker: { failuresMax: 3, windowMs: 300_000 }, rollbackTimeoutMs: 3_600_000, gradualStepTimeoutMs: 600_000
    })
    expect(validate(b)).toMatchObject({ strategy: 'canary', triggers: [{ minSamples: 5 }, { minSamples: 10 }, { action: 'immediate' }] })
  })

  it('canary phases from a file: percentages and durations as people write them', () => {
    const phases = JSON.stringify([{ percentage: '5%', duration: '30m', validation: 'manual' }, { percentage: 50, duration: 3_600_000, minSamples: 20 }, { percentage: '100%', duration: '1h' }])
    const b = body({ ...base, strategy: 'canary', phases: 'phases.json' }, phases)
    expect(b).toMatchObject({ phases: [{ percent: 5, durationMs: 1_800_000, validation: 'manual' }, { percent: 50, durationMs: 3_600_000, minSamples: 20 }, { percent: 100, durationMs: 3_600_000 }] })
    expect(validate(b)).toMatchObject({ phases: [{ validation: 'manual' }, { validation: 'auto' }, { validation: 'auto' }] })
    expect(() => body({ ...base, strategy: 'canary', phases: 'p.json' }, '{')).toThrow(/--phases p.json: not JSON/)
    expect(() => body({ ...base, strategy: 'canary', phases: 'p.json' }, '[{"percentage":"5%","duration":"1m","speed":1}]')).toThrow(/phase 1 has an unknown field 'speed'/)
    expect(() => body({ ...base, strategy: 'canary', phases: 'p.json' }, '[{"percentage":"5%"}]')).toThrow(/phase 1 duration is missing/)
    expect(() => body({ ...base, strategy: 'canary', phases: 'p.json', initial: '5%' }, '[]')).toThrow(/either --phases FILE or --initial/)
  })

  it('rolling in shares of the fleet; max-unavailable defaults to the batch', () => {
    const b = body({ ...base, strategy: 'rolling', 'batch-size': '10%', 'batch-duration': '2m' })
    expect(b).toMatchObject({ rolling: { batchPercent: 10, maxUnavailablePercent: 10, batchDurationMs: 120_000 } })
    validate(b)
    expect(body({ ...base, strategy: 'rolling', 'batch-size': '25%', 'max-unavailable': '0%' })).toMatchObject({ rolling: { batchPercent: 25, maxUnavailablePercent: 0 } })
    expect(() => body({ ...base, strategy: 'rolling', 'batch-size': '10' })).toThrow(/--batch-size takes a percentage of the targeted devices like 10%, got '10'/)
    expect(() => body({ ...base, strategy: 'rolling' })).toThrow(/--strategy rolling needs --batch-size/)
  })

  it('blue-green and all-at-once, with and without options', () => {
    const bg = body({ ...base, strategy: 'blue-green', 'stage-duration': '5m', 'switch-duration': '10m', staged: '90%', validation: 'manual' })
    expect(bg).toMatchObject({ blueGreen: { stageDurationMs: 300_000, switchDurationMs: 600_000, stagedPercent: 90, validation: 'manual' } })
    validate(bg)
    validate(body({ ...base, strategy: 'blue-green' }))
    const all = body({ ...base, strategy: 'all-at-once', duration: '15m', target: 'site=berlin,ring!=0' })
    expect(all).toMatchObject({ allAtOnce: { durationMs: 900_000 } })
    validate(all)
    validate(body({ ...base, strategy: 'all-at-once', target: 'ids:a,b' }))
    validate(body({ ...base, strategy: 'all-at-once', target: 'all' }))
  })

  it('names the wrong or missing flag', () => {
    const cases: Array<[DeployFlags, RegExp]> = [
      [{ target: 'all', strategy: 'canary' }, /missing --app NAME/],
      [{ app: 'a', strategy: 'canary' }, /missing --target/],
      [{ app: 'a', target: 'all' }, /missing --strategy: one of canary, rolling, blue-green, all-at-once/],
      [{ ...base, strategy: 'yolo' }, /--strategy takes canary, rolling, blue-green, all-at-once, got 'yolo'/],
      [{ ...base, strategy: 'canary', initial: '5%' }, /needs --initial P% --increment P% --interval D.*missing --increment, --interval/],
      [{ ...base, strategy: 'canary', initial: '5%', increment: '15%', interval: '10' }, /--interval takes a duration/],
      [{ ...base, strategy: 'all-at-once', 'batch-size': '10%' }, /--batch-size is an option of --strategy rolling, not all-at-once/],
      [{ ...base, strategy: 'rolling', 'batch-size': '10%', validation: 'manual' }, /--validation is an option of --strategy canary, not rolling/],
      [{ ...base, strategy: 'all-at-once', target: 'group:' }, /--target /],
      [{ ...base, strategy: 'all-at-once', validation: 'maybe' }, /--validation is an option of/],
      [{ ...base, strategy: 'blue-green', validation: 'maybe' }, /--validation takes auto .* or manual/],
      [{ ...base, strategy: 'all-at-once', 'rollback-on-error': '5' }, /--rollback-on-error takes a percentage like 5%/],
      [{ ...base, strategy: 'all-at-once', 'circuit-breaker': 'failures=3' }, /--circuit-breaker needs failures=N,window=D/],
      [{ ...base, strategy: 'all-at-once', 'promote-deadline': 'tomorrow' }, /--promote-deadline takes a duration/]
    ]
    for (const [flags, message] of cases) expect(() => body(flags), JSON.stringify(flags)).toThrow(message)
  })

  it('parses triggers: metrics, rate thresholds as fractions or percentages', () => {
    expect(parseTrigger('c', 'metric=error_rate,threshold=0.05')).toEqual({ metric: 'error_rate', threshold: 0.05 })
    expect(parseTrigger('c', 'metric=cpu_usage,threshold=90,action=gradual')).toEqual({ metric: 'cpu_usage', threshold: 90, action: 'gradual' })
    expect(parseTrigger('c', 'metric=custom:queue_depth,threshold=1000')).toEqual({ metric: 'custom:queue_depth', threshold: 1000 })
    expect(() => parseTrigger('c', 'metric=error_rate,threshold=5')).toThrow(/error_rate is a fraction from 0 to 1 or a percentage \(0.05 or 5%\), got '5'/)
    expect(() => parseTrigger('c', 'metric=cpu_usage,threshold=90%')).toThrow(/in the metric's own unit/)
    expect(() => parseTrigger('c', 'metric=error_rate,threshold=0.1,action=later')).toThrow(/action is immediate .* or gradual/)
    expect(() => parseTrigger('c', 'metric=error_rate')).toThrow(/needs metric=… and threshold=…/)
    expect(() => parseTrigger('c', 'metric=error rate,threshold=1')).toThrow(/custom metric name/)
    expect(() => parseTrigger('c', 'metric=error_rate,threshold=0.1,speed=2')).toThrow(/'speed=2' is not one of them/)
  })
})
