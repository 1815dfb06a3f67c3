/**
 * The body of `POST /apps/<app>/metrics` on the agent's loopback server: JSON
 * (`{"queue_depth": 3, "errors_total": 0}`) or Prometheus text lines (`queue_depth 3`, with
 * `#` comments and an optional timestamp). A body is accepted whole or refused whole, with an
 * error that names the line or key at fault.
 */
import { systemClock } from '../../ports/index.js'
import { CUSTOM_BODY_BYTES_MAX } from './constants.js'
import { CustomMetricsInvalidError, CustomMetricsLimitError } from './errors.js'
import { checkMetric } from './custom-metrics-store.js'
import type { CustomMetricsStore } from './custom-metrics-store.js'
import type { CustomMetricsError } from './errors.js'
import type { Clock } from '../../ports/index.js'

export type CustomMetricsHandler = (app: string, body: string, contentType: string) => { accepted: number } | CustomMetricsError

export interface CustomMetricsHandlerComponents {
  store: Pick<CustomMetricsStore, 'recordAll'>
  /** Stamps values with their arrival time. @default systemClock() */
  clock?: Pick<Clock, 'nowMs'>
}

/**
 * Returns the handler. It never throws for bad input: it returns the error, whose
 * `httpStatus` (400, 413, 415, 429) and `code` the server answers with.
 */
export function customMetricsHandler (components: CustomMetricsHandlerComponents): CustomMetricsHandler {
  const clock = components.clock ?? systemClock()
  return (app, body, contentType) => {
    try {
      if (Buffer.byteLength(body) > CUSTOM_BODY_BYTES_MAX) {
        throw new CustomMetricsInvalidError(`metrics body of ${Buffer.byteLength(body)} bytes is over CUSTOM_BODY_BYTES_MAX (${CUSTOM_BODY_BYTES_MAX}); push fewer metrics at a time`, 413)
      }
      const values = parseCustomMetrics(body, contentType)
      return { accepted: components.store.recordAll(app, values, clock.nowMs()) }
    } catch (err) {
      if (err instanceof CustomMetricsInvalidError || err instanceof CustomMetricsLimitError) return err
      throw err
    }
  }
}

/** Parses a body by its media type; a later value of a name repeated in one body wins. */
export function parseCustomMetrics (body: string, contentType: string): Map<string, number> {
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase()
  if (mediaType === 'application/json') return parseJson(body)
  if (mediaType === '' || mediaType === 'text/plain' || mediaType === 'application/openmetrics-text') return parsePrometheusText(body)
  throw new CustomMetricsInvalidError(`content type '${mediaType}' is not supported: send application/json ({"name": 1}) or text/plain (name 1)`, 415)
}

function parseJson (body: string): Map<string, number> {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch (err) {
    throw new CustomMetricsInvalidError(`metrics body is not JSON (${(err as Error).message}): send {"name": number, ...}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CustomMetricsInvalidError('metrics body must be a JSON object of names to numbers: {"name": number, ...}')
  }
  const values = new Map<string, number>()
  for (const [name, value] of Object.entries(parsed)) {
    // JSON has no NaN, but 1e999 parses to Infinity; strings and nulls are refused by name.
    checkMetric(name, value as number, `key '${name.slice(0, 80)}'`)
    values.set(name, value as number)
  }
  return values
}

// `name value [timestamp]`; labels are refused by their own rule below, with a hint.
const SAMPLE_LINE = /^(\S+)\s+(\S+)(?:\s+-?\d+)?$/
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

function parsePrometheusText (body: string): Map<string, number> {
  const values = new Map<string, number>()
  const lines = body.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim()
    if (line === '' || line.startsWith('#')) continue
    const where = `line ${i + 1} '${line.slice(0, 80)}'`
    if (/^[^\s{]*\{/.test(line)) {
      throw new CustomMetricsInvalidError(`${where}: labels are not supported; put what they say into the name (requests_total_get)`)
    }
    const match = SAMPLE_LINE.exec(line)
    if (match == null) throw new CustomMetricsInvalidError(`${where}: expected 'name value' (an optional timestamp may follow)`)
    const [, name = '', text = ''] = match
    const value = FLOAT.test(text) ? Number(text) : Number.NaN
    checkMetric(name, value, where)
    values.set(name, value)
  }
  return values
}
