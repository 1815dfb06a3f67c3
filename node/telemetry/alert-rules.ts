/**
 * Alert rules and their pure evaluation. A rule watches one metric on every device (or the
 * devices of `deviceIds`):
 *   threshold  fires when `value op threshold` has held for `forMs`, resolves when it no longer holds
 *   anomaly    fires when a value is more than `deviations` standard deviations from the mean of
 *              the device's last `windowSamples` values (its rolling baseline), once the baseline
 *              has `minSamples`; resolves when a value is back inside. Anomalous values stay out
 *              of the baseline, so a lasting fault does not become the new normal.
 * `evaluate` is synchronous and I/O-free: the manager keeps the state and does the notifying.
 */
import { z } from 'zod'
import { AlertRuleError } from './errors.js'
import { METRIC_NAME_PATTERN } from './flatten.js'

export const ALERT_WINDOW_SAMPLES_MAX = 1_000

const base = {
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lowercase letters, digits, dot, dash, underscore'),
  metric: z.string().regex(METRIC_NAME_PATTERN, 'a metric name like cpu_percent, app:web:restarts or web/error_rate'),
  severity: z.enum(['info', 'warning', 'critical']).default('warning'),
  deviceIds: z.array(z.string().min(1).max(128)).max(10_000).optional().describe('only these devices (default: all)')
}

export const alertRuleSchema = z.discriminatedUnion('kind', [
  z.object({
    ...base,
    kind: z.literal('threshold'),
    op: z.enum(['>', '>=', '<', '<=']),
    threshold: z.number(),
    forMs: z.number().int().min(0).max(24 * 3600_000).default(0).describe('how long the condition must hold')
  }).strict(),
  z.object({
    ...base,
    kind: z.literal('anomaly'),
    windowSamples: z.number().int().min(3).max(ALERT_WINDOW_SAMPLES_MAX).default(30),
    minSamples: z.number().int().min(3).max(ALERT_WINDOW_SAMPLES_MAX).default(10),
    deviations: z.number().positive().max(100).default(3)
  }).strict()
])
export type AlertRule = z.infer<typeof alertRuleSchema>
export type AlertRuleInput = z.input<typeof alertRuleSchema>

/** What the evaluator remembers per (rule, device). */
export interface RuleState {
  firing: boolean
  /** Threshold: since when the condition holds (for `forMs`). */
  sinceMs?: number
  /** Anomaly: the rolling baseline, oldest first. */
  window?: number[]
}

export interface Evaluation {
  state: RuleState
  transition?: 'firing' | 'resolved'
  /** Human summary of why, e.g. "cpu_percent 97 > 90" or "load1 9.1 is 6.2σ from 1.0". */
  reason: string
}

export function evaluate (rule: AlertRule, state: RuleState | undefined, value: number, atMs: number): Evaluation {
  const was = state ?? { firing: false }
  if (rule.kind === 'threshold') {
    const holds = compare(value, rule.op, rule.threshold)
    const reason = `${rule.metric} ${fmt(value)} ${holds ? rule.op : negate(rule.op)} ${rule.threshold}`
    if (!holds) return { state: { firing: false }, ...(was.firing ? { transition: 'resolved' as const } : {}), reason }
    const sinceMs = was.sinceMs ?? atMs
    const firing = atMs - sinceMs >= rule.forMs
    return { state: { firing, sinceMs }, ...(firing && !was.firing ? { transition: 'firing' as const } : {}), reason }
  }
  const window = was.window ?? []
  let anomalous = false
  let reason = `${rule.metric} ${fmt(value)}: baseline has ${window.length} of ${rule.minSamples} samples`
  if (window.length >= rule.minSamples) {
    const mean = window.reduce((a, b) => a + b, 0) / window.length
    const sd = Math.sqrt(window.reduce((a, b) => a + (b - mean) ** 2, 0) / window.length)
    // A flat baseline has sd 0: use a floor of 1% of the mean (or 1e-9) so any change is not infinitely anomalous.
    const scale = Math.max(sd, Math.abs(mean) * 0.01, 1e-9)
    const z = Math.abs(value - mean) / scale
    anomalous = z > rule.deviations
    reason = `${rule.metric} ${fmt(value)} is ${fmt(z)}σ from its baseline ${fmt(mean)} (limit ${rule.deviations}σ)`
  }
  const nextWindow = anomalous ? window : [...window, value].slice(-rule.windowSamples)
  const transition = anomalous && !was.firing ? 'firing' as const : !anomalous && was.firing ? 'resolved' as const : undefined
  return { state: { firing: anomalous, window: nextWindow }, ...(transition != null ? { transition } : {}), reason }
}

function compare (v: number, op: '>' | '>=' | '<' | '<=', t: number): boolean {
  switch (op) {
    case '>': return v > t
    case '>=': return v >= t
    case '<': return v < t
    case '<=': return v <= t
  }
}

function negate (op: string): string {
  return ({ '>': '<=', '>=': '<', '<': '>=', '<=': '>' } as Record<string, string>)[op] ?? op
}

function fmt (v: number): string {
  // Three significant digits without trailing zeros: 0.05, 6.21, 1200.
  return String(Number(v.toPrecision(3)))
}

/**
 * `error_rate>0.01`, `cpu_percent >= 90` → a threshold rule on that metric. A bare name also
 * matches custom metrics of any app (`web/error_rate`): see `metricMatches`.
 */
export function parseThresholdExpression (text: string, id = 'watch'): AlertRule {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_.:/-]*)\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/i.exec(text)
  if (m == null) throw new AlertRuleError(`cannot read the alert expression '${text}': write METRIC OP NUMBER, e.g. 'error_rate>0.01' or 'cpu_percent>=90'`)
  return alertRuleSchema.parse({ id, kind: 'threshold', metric: m[1], op: m[2], threshold: Number(m[3]) })
}

/** Whether a rule's metric names this series: exactly, or a bare name against any app's custom metric. */
export function metricMatches (ruleMetric: string, series: string): boolean {
  if (ruleMetric === series) return true
  return !ruleMetric.includes('/') && !ruleMetric.includes(':') && series.endsWith(`/${ruleMetric}`)
}
