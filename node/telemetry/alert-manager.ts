import { backoffMs } from '../ports/index.js'
import { alertRuleSchema, evaluate, metricMatches } from './alert-rules.js'
import { ALERTS_KEPT_MAX, WEBHOOK_ATTEMPTS_MAX, WEBHOOK_QUEUE_MAX, WEBHOOK_RETRY_BASE_MS, WEBHOOK_RETRY_CAP_MS, WEBHOOK_TIMEOUT_MS } from './alert-constants.js'
import type { AlertRule, RuleState } from './alert-rules.js'
import type { Alert, AlertManagerComponents, AlertManagerStats, LatestSample } from './index.js'
import type { Logger } from '../logging/index.js'

const RULE_PREFIX = 'ar!'
const ALERT_PREFIX = 'al!'

/**
 * Runs every rule against every sample as it is ingested and keeps alerts: one alert per
 * (rule, device, metric) while it fires (deduplicated: a rule that keeps holding does not fire
 * again), resolved when the rule stops holding. Each transition is POSTed to the webhook
 * (`{ status, alert }`, Alertmanager-like) with bounded retries; rules and alerts persist in
 * the telemetry sublevel, so a restart keeps the firing alerts and does not notify them twice.
 */
export class AlertManager {
  private readonly log: Logger
  private readonly ruleById = new Map<string, AlertRule>()
  private readonly states = new Map<string, RuleState>()
  /** Alerts by id, oldest first (Map order); bounded by ALERTS_KEPT_MAX, firing ones never dropped. */
  private readonly alerts = new Map<string, Alert>()
  private readonly activeByKey = new Map<string, string>()
  private readonly queue: Array<{ status: 'firing' | 'resolved', alert: Alert }> = []
  private draining?: Promise<void>
  private readonly counters: AlertManagerStats = { evaluations: 0, fired: 0, resolved: 0, notified: 0, notifyFailures: 0, notifyDropped: 0 }
  private alertSeq = 0
  private readonly listeners = new Set<(alert: Alert) => void>()

  private constructor (private readonly c: AlertManagerComponents) {
    this.log = c.logger.forComponent('fleet:alerts')
  }

  static async open (c: AlertManagerComponents): Promise<AlertManager> {
    const m = new AlertManager(c)
    for await (const [, value] of c.db.iterator({ gte: RULE_PREFIX, lt: RULE_PREFIX + '~' })) {
      const rule = alertRuleSchema.safeParse(value)
      if (rule.success) m.ruleById.set(rule.data.id, rule.data)
    }
    for await (const [, value] of c.db.iterator({ gte: ALERT_PREFIX, lt: ALERT_PREFIX + '~' })) {
      const alert = value as Alert
      m.alerts.set(alert.id, alert)
      m.alertSeq = Math.max(m.alertSeq, Number(alert.id.split('-').at(-1)) || 0)
      if (alert.state === 'firing') {
        m.activeByKey.set(keyOf(alert.ruleId, alert.deviceId, alert.metric), alert.id)
        m.states.set(keyOf(alert.ruleId, alert.deviceId, alert.metric), { firing: true })
      }
    }
    return m
  }

  rules (): AlertRule[] {
    return [...this.ruleById.values()].sort((a, b) => a.id.localeCompare(b.id))
  }

  async setRule (input: unknown): Promise<AlertRule> {
    const rule = alertRuleSchema.parse(input)
    this.ruleById.set(rule.id, rule)
    // A changed rule starts from scratch: old state could be of another kind or threshold.
    for (const key of [...this.states.keys()]) if (key.startsWith(`${rule.id}|`) && this.activeByKey.get(key) == null) this.states.delete(key)
    await this.c.db.batch([{ type: 'put', key: RULE_PREFIX + rule.id, value: rule }])
    return rule
  }

  async deleteRule (id: string): Promise<boolean> {
    if (!this.ruleById.delete(id)) return false
    await this.c.db.batch([{ type: 'del', key: RULE_PREFIX + id }])
    // Its firing alerts resolve: nothing watches them any more.
    for (const [key, alertId] of [...this.activeByKey]) {
      if (!key.startsWith(`${id}|`)) continue
      const alert = this.alerts.get(alertId)
      if (alert != null) await this.transition(alert, 'resolved', 'the rule was deleted')
      this.states.delete(key)
    }
    return true
  }

  /** Newest first. */
  list (filter: { state?: 'firing' | 'resolved', limit?: number } = {}): Alert[] {
    const out = [...this.alerts.values()].reverse().filter(a => filter.state == null || a.state === filter.state)
    return out.slice(0, filter.limit ?? out.length)
  }

  onAlert (listener: (alert: Alert) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** Evaluates every rule on one sample; called for each sample the store ingests. */
  async observe (sample: LatestSample): Promise<void> {
    for (const rule of this.ruleById.values()) {
      if (rule.deviceIds != null && !rule.deviceIds.includes(sample.deviceId)) continue
      for (const [metric, value] of Object.entries(sample.metrics)) {
        if (!metricMatches(rule.metric, metric)) continue
        this.counters.evaluations++
        const key = keyOf(rule.id, sample.deviceId, metric)
        const result = evaluate(rule, this.states.get(key), value, sample.atMs)
        this.states.set(key, result.state)
        if (result.transition === 'firing') {
          const alert: Alert = {
            id: `${rule.id}-${++this.alertSeq}`, ruleId: rule.id, deviceId: sample.deviceId, metric, severity: rule.severity,
            state: 'firing', startsMs: sample.atMs, value, reason: result.reason
          }
          this.activeByKey.set(key, alert.id)
          this.alerts.set(alert.id, alert)
          await this.transition(alert, 'firing', result.reason)
        } else if (result.transition === 'resolved') {
          const alert = this.alerts.get(this.activeByKey.get(key) ?? '')
          this.activeByKey.delete(key)
          if (alert != null) await this.transition({ ...alert, value }, 'resolved', result.reason, sample.atMs)
        } else if (result.state.firing) {
          const alert = this.alerts.get(this.activeByKey.get(key) ?? '')
          if (alert != null) alert.value = value
        }
      }
    }
  }

  stats (): AlertManagerStats & { firing: number, rules: number } {
    return { ...this.counters, firing: this.activeByKey.size, rules: this.ruleById.size }
  }

  /** Waits for queued webhook deliveries (tests, shutdown). */
  async drain (): Promise<void> {
    while (this.draining != null) await this.draining
  }

  private async transition (alert: Alert, state: 'firing' | 'resolved', reason: string, atMs = this.c.clock.nowMs()): Promise<void> {
    const next: Alert = state === 'resolved' ? { ...alert, state, endsMs: atMs, reason } : alert
    this.alerts.set(next.id, next)
    if (state === 'firing') this.counters.fired++
    else this.counters.resolved++
    this.log.info('alert %s %s on %s: %s', next.id, state, next.deviceId, reason)
    const ops: Array<{ type: 'put', key: string, value: unknown } | { type: 'del', key: string }> = [{ type: 'put', key: ALERT_PREFIX + next.id, value: next }]
    while (this.alerts.size > ALERTS_KEPT_MAX) {
      const oldest = [...this.alerts.values()].find(a => a.state === 'resolved')
      if (oldest == null) break
      this.alerts.delete(oldest.id)
      ops.push({ type: 'del', key: ALERT_PREFIX + oldest.id })
    }
    await this.c.db.batch(ops)
    for (const listener of this.listeners) listener(next)
    this.enqueue(state, next)
  }

  private enqueue (status: 'firing' | 'resolved', alert: Alert): void {
    if (this.c.webhookUrl == null) return
    if (this.queue.length >= WEBHOOK_QUEUE_MAX) { this.queue.shift(); this.counters.notifyDropped++ }
    this.queue.push({ status, alert })
    this.draining ??= this.drainQueue().finally(() => { this.draining = undefined })
  }

  private async drainQueue (): Promise<void> {
    for (let item = this.queue.shift(); item != null; item = this.queue.shift()) {
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await fetch(this.c.webhookUrl ?? '', {
            method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(item), signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)
          })
          await res.body?.cancel()
          if (!res.ok) throw new Error(`HTTP ${res.status}`)
          this.counters.notified++
          break
        } catch (err) {
          if (attempt + 1 >= WEBHOOK_ATTEMPTS_MAX) {
            this.counters.notifyFailures++
            this.log.warn('alert webhook gave up on %s %s after %d attempts: %s', item.alert.id, item.status, WEBHOOK_ATTEMPTS_MAX, (err as Error).message)
            break
          }
          await this.c.clock.sleep(backoffMs(attempt, WEBHOOK_RETRY_BASE_MS, WEBHOOK_RETRY_CAP_MS, this.c.random))
        }
      }
    }
  }
}

function keyOf (ruleId: string, deviceId: string, metric: string): string {
  return `${ruleId}|${deviceId}|${metric}`
}
