import { describe, expect, it } from 'vitest'
import {
  CUSTOM_APPS_MAX, CUSTOM_BODY_BYTES_MAX, CUSTOM_NAMES_PER_APP_MAX, CustomMetricsInvalidError, CustomMetricsLimitError,
  customMetricsHandler, customMetricsStore
} from './index.js'
import { METRICS_CUSTOM_MAX } from '../../../proto/index.js'

const clock = { nowMs: () => 1_700_000_000_000 }

function setup (init = {}): { store: ReturnType<typeof customMetricsStore>, push: ReturnType<typeof customMetricsHandler> } {
  const store = customMetricsStore(init)
  return { store, push: customMetricsHandler({ store, clock }) }
}

function refusal (answer: unknown): CustomMetricsInvalidError | CustomMetricsLimitError {
  if (answer instanceof CustomMetricsInvalidError || answer instanceof CustomMetricsLimitError) return answer
  throw new Error(`expected a refusal, got ${JSON.stringify(answer)}`)
}

describe('custom metrics push', () => {
  it('accepts a JSON object of names to numbers', () => {
    const { store, push } = setup()
    expect(push('web', '{"queue_depth": 3, "latency_seconds": 0.25, "errors_total": -1e3}', 'application/json; charset=utf-8')).toEqual({ accepted: 3 })
    expect(store.snapshot()).toEqual([
      { app: 'web', name: 'errors_total', value: -1000, atMs: 1_700_000_000_000 },
      { app: 'web', name: 'latency_seconds', value: 0.25, atMs: 1_700_000_000_000 },
      { app: 'web', name: 'queue_depth', value: 3, atMs: 1_700_000_000_000 }
    ])
  })

  it('accepts Prometheus text lines, skipping comments and blank lines, with optional timestamps', () => {
    const { store, push } = setup()
    const body = '# HELP queue_depth Jobs waiting.\n# TYPE queue_depth gauge\nqueue_depth 3\n\n  http:requests_total 1.5e3 1700000000000\nqueue_depth 4\n'
    expect(push('web', body, 'text/plain; version=0.0.4')).toEqual({ accepted: 2 })
    expect(store.snapshot().map(m => [m.name, m.value])).toEqual([['http:requests_total', 1500], ['queue_depth', 4]])
  })

  it.each([
    ['queue_depth NaN', /line 2 'queue_depth NaN': value NaN is not a finite number/],
    ['queue_depth +Inf', /line 2 .*not a finite number/],
    ['1st_metric 3', /line 2 '1st_metric 3': name is not a metric name/],
    ['queue-depth 3', /line 2 .*name is not a metric name/],
    ['requests_total{method="get"} 3', /line 2 .*labels are not supported/],
    ['queue_depth', /line 2 'queue_depth': expected 'name value'/],
    ['queue_depth 3 4 5', /line 2 .*expected 'name value'/],
    ['queue_depth 0x10', /line 2 .*not a finite number/]
  ])('refuses the Prometheus line %j, naming it, and records nothing', (line, message) => {
    const { store, push } = setup()
    const err = refusal(push('web', `good_one 1\n${line}\n`, 'text/plain'))
    expect(err).toMatchObject({ name: 'CustomMetricsInvalidError', code: 'FLEET_ERR_METRICS_INVALID', httpStatus: 400 })
    expect(err.message).toMatch(message)
    expect(store.snapshot()).toEqual([])
  })

  it.each([
    ['[1, 2]', /must be a JSON object/],
    ['{"a": "3"}', /key 'a': value 3 is not a finite number/],
    ['{"a": null}', /key 'a': value null is not a finite number/],
    ['{"a": 1e999}', /key 'a': value Infinity is not a finite number/],
    ['{"bad name": 1}', /key 'bad name': name is not a metric name/],
    ['{"a": 1', /not JSON/]
  ])('refuses the JSON body %s', (body, message) => {
    const err = refusal(setup().push('web', body, 'application/json'))
    expect(err.code).toBe('FLEET_ERR_METRICS_INVALID')
    expect(err.message).toMatch(message)
  })

  it('refuses unknown content types (415), oversize bodies (413) and bad app names (400)', () => {
    const { push } = setup()
    expect(refusal(push('web', 'a 1', 'application/xml'))).toMatchObject({ httpStatus: 415, code: 'FLEET_ERR_METRICS_INVALID' })
    expect(refusal(push('web', `# ${'x'.repeat(CUSTOM_BODY_BYTES_MAX)}\na 1`, 'text/plain'))).toMatchObject({ httpStatus: 413 })
    expect(refusal(push('../etc', 'a 1', 'text/plain'))).toMatchObject({ httpStatus: 400, message: expect.stringContaining("app name '../etc'") as unknown })
  })
})

describe('custom metrics store bounds', () => {
  it('fits a full store into one DeviceMetrics message', () => {
    expect(CUSTOM_APPS_MAX * CUSTOM_NAMES_PER_APP_MAX).toBeLessThanOrEqual(METRICS_CUSTOM_MAX)
  })

  it('refuses a push whose new names pass the per-app limit, all or nothing, but updates known names', () => {
    const { store, push } = setup({ namesPerAppMax: 3 })
    expect(push('web', 'a 1\nb 2', 'text/plain')).toEqual({ accepted: 2 })
    const err = refusal(push('web', 'a 5\nc 3\nd 4', 'text/plain'))
    expect(err).toMatchObject({ name: 'CustomMetricsLimitError', code: 'FLEET_ERR_METRICS_LIMIT', httpStatus: 429 })
    expect(err.message).toMatch(/2 new names would pass the limit of 3 names per app/)
    expect(store.snapshot().map(m => `${m.name}=${m.value}`)).toEqual(['a=1', 'b=2'])
    expect(push('web', 'a 5\nb 6\nc 7', 'text/plain')).toEqual({ accepted: 3 })
  })

  it('refuses a new app past the app limit until an app is forgotten', () => {
    const { store, push } = setup({ appsMax: 2 })
    push('one', 'a 1', 'text/plain')
    push('two', 'a 1', 'text/plain')
    expect(refusal(push('three', 'a 1', 'text/plain')).message).toMatch(/2 apps already push metrics/)
    expect(push('two', 'b 1', 'text/plain')).toEqual({ accepted: 1 })
    store.forget('one')
    expect(push('three', 'a 1', 'text/plain')).toEqual({ accepted: 1 })
    expect(store.snapshot().map(m => `${m.app}/${m.name}`)).toEqual(['three/a', 'two/a', 'two/b'])
  })

  it('checks single records too', () => {
    const store = customMetricsStore()
    store.record('web', 'temp_celsius', 41.5, 1)
    expect(() => { store.record('web', 'temp', Number.NaN, 1) }).toThrow(CustomMetricsInvalidError)
    expect(store.snapshot()).toEqual([{ app: 'web', name: 'temp_celsius', value: 41.5, atMs: 1 }])
  })
})
