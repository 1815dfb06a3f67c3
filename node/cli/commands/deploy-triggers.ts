/**
 * Rollback triggers and the circuit breaker of `fleets deploy create`, as flags:
 * `--trigger metric=error_rate,threshold=5%,action=gradual,min-samples=10` and
 * `--circuit-breaker failures=3,window=5m`.
 */
import { UsageError } from '../args.js'
import { isPercent, parseCount, parseDurationMs, parsePercent } from './flag-units.js'
import type { RollbackTrigger } from '../../coordinator/rollout/spec.js'

export type TriggerInput = Partial<RollbackTrigger> & Pick<RollbackTrigger, 'metric' | 'threshold'>

/** Devices for `min-samples` and the circuit breaker: the spec's own bound. */
export const SAMPLES_MAX = 1_000_000
const RATE_METRICS = new Set(['error_rate', 'crash_loop'])
const KNOWN_METRICS = new Set(['error_rate', 'crash_loop', 'cpu_usage'])
const CUSTOM_METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]{0,127}$/

/** `key=value,key=value` with the keys the flag knows; each at most once. */
function parsePairs (command: string, flag: string, text: string, keys: readonly string[]): Map<string, string> {
  const pairs = new Map<string, string>()
  for (const part of text.split(',')) {
    const eq = part.indexOf('=')
    const key = part.slice(0, eq).trim()
    if (eq <= 0 || !keys.includes(key)) throw new UsageError(`--${flag} takes ${keys.map(k => `${k}=…`).join(',')}; '${part}' is not one of them`, command)
    if (pairs.has(key)) throw new UsageError(`--${flag} gives ${key} twice`, command)
    pairs.set(key, part.slice(eq + 1).trim())
  }
  return pairs
}

/** `metric=error_rate,threshold=0.05,action=immediate,min-samples=10`; a metric not built in is `custom:NAME`. */
export function parseTrigger (command: string, text: string): TriggerInput {
  const pairs = parsePairs(command, 'trigger', text, ['metric', 'threshold', 'action', 'min-samples'])
  const name = pairs.get('metric')
  const threshold = pairs.get('threshold')
  if (name == null || threshold == null) throw new UsageError(`--trigger needs metric=… and threshold=…, e.g. metric=error_rate,threshold=0.05; got '${text}'`, command)
  const metric = KNOWN_METRICS.has(name) || name.startsWith('custom:') ? name : `custom:${name}`
  if (!KNOWN_METRICS.has(metric) && !CUSTOM_METRIC.test(metric.slice('custom:'.length))) {
    throw new UsageError(`--trigger metric is error_rate, crash_loop, cpu_usage or a custom metric name (letters, digits, _ and :), got '${name}'`, command)
  }
  const action = pairs.get('action')
  if (action != null && action !== 'immediate' && action !== 'gradual') {
    throw new UsageError(`--trigger action is immediate (roll every device back at once) or gradual (phase by phase), got '${action}'`, command)
  }
  const minSamples = pairs.get('min-samples')
  return {
    metric,
    threshold: parseThreshold(command, metric, threshold),
    ...(action != null ? { action } : {}),
    ...(minSamples != null ? { minSamples: parseCount(command, 'trigger min-samples', minSamples, 1, SAMPLES_MAX) } : {})
  }
}

/** Rate metrics are fractions of devices: `5%` or `0.05`. Other metrics are in their own unit. */
function parseThreshold (command: string, metric: string, text: string): number {
  const rate = RATE_METRICS.has(metric)
  if (isPercent(text)) {
    if (!rate) throw new UsageError(`--trigger threshold of ${metric} is in the metric's own unit, not a percentage; got '${text}'`, command)
    return parsePercent(command, 'trigger threshold', text, 0) / 100
  }
  const value = Number(text)
  if (text === '' || !Number.isFinite(value)) throw new UsageError(`--trigger threshold takes a number${rate ? ' or a percentage (5%)' : ''}, got '${text}'`, command)
  if (rate && (value < 0 || value > 1)) throw new UsageError(`--trigger threshold of ${metric} is a fraction from 0 to 1 or a percentage (0.05 or 5%), got '${text}'`, command)
  return value
}

/** `failures=3,window=5m`: pause when 3 devices fail within 5 minutes of each other. */
export function parseCircuitBreaker (command: string, text: string): { failuresMax: number, windowMs: number } {
  const pairs = parsePairs(command, 'circuit-breaker', text, ['failures', 'window'])
  const failures = pairs.get('failures')
  const window = pairs.get('window')
  if (failures == null || window == null) throw new UsageError(`--circuit-breaker needs failures=N,window=D, e.g. failures=3,window=5m; got '${text}'`, command)
  return { failuresMax: parseCount(command, 'circuit-breaker failures', failures, 1, SAMPLES_MAX), windowMs: parseDurationMs(command, 'circuit-breaker window', window) }
}
