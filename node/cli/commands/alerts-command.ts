/**
 * `fleets alerts`: the coordinator's alerts and alert rules.
 *   alerts list [--state firing|resolved] [--limit N]
 *   alerts rules
 *   alerts add ID 'METRIC OP NUMBER' [--for D] [--severity S]       a threshold rule
 *   alerts add ID --anomaly METRIC [--deviations K] [--window N]   a rolling-baseline rule
 */
import { parseFlags, UsageError } from '../args.js'
import { parseThresholdExpression } from '../../telemetry/index.js'
import { parseDurationMs } from './flag-units.js'
import { ago, apiClient, formatTable, SERVER_FLAGS_HELP, SERVER_OPTIONS } from './server-client.js'
import type { Alert, AlertRule } from '../../telemetry/index.js'

export const ALERTS_HELP = `Usage: fleets alerts <list|rules|add> [options]

  fleets alerts list [--state firing|resolved] [--limit N]
      alerts, newest first: state, severity, rule, device, metric, why, since
  fleets alerts rules
      the alert rules
  fleets alerts add ID 'METRIC OP NUMBER' [--for D] [--severity info|warning|critical]
      a threshold rule, e.g. fleets alerts add hot-cpu 'cpu_percent>90' --for 2m
  fleets alerts add ID --anomaly METRIC [--deviations K] [--window N]
      fires when a device's value is more than K (default 3) standard deviations from the mean
      of its last N (default 30) samples
      Metrics: cpu_percent, memory_used_bytes, disk_used_bytes, load1, net_errors,
      app:APP:restarts, app:APP:cpu_percent, or an app's custom metric (APP/NAME, or NAME for any app)

Options:
${SERVER_FLAGS_HELP}
  --json         machine-readable output

Alerts are sent to the server's --alert-webhook when they fire and resolve.
`

export async function alertsCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === '--help' || sub === '-h' || sub == null) { process.stdout.write(ALERTS_HELP); return sub == null ? 2 : 0 }
  if (sub !== 'list' && sub !== 'rules' && sub !== 'add') throw new UsageError(`unknown subcommand '${sub}'; the alerts command has: list, rules, add`, 'alerts')
  const command = `alerts ${sub}`
  const { values, positionals } = parseFlags(command, rest, {
    ...SERVER_OPTIONS, state: { type: 'string' }, limit: { type: 'string' }, for: { type: 'string' }, severity: { type: 'string' },
    anomaly: { type: 'string' }, deviations: { type: 'string' }, window: { type: 'string' }
  }, 2)
  if (values.help === true) { process.stdout.write(ALERTS_HELP); return 0 }
  const client = apiClient(command, values)
  const json = values.json === true
  if (sub === 'list') {
    if (values.state != null && values.state !== 'firing' && values.state !== 'resolved') throw new UsageError(`--state must be firing or resolved, got '${values.state}'`, command)
    const limit = values.limit != null ? Number(values.limit) : 50
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError(`--limit must be an integer from 1 to 1000, got '${values.limit ?? ''}'`, command)
    const query = new URLSearchParams({ limit: String(limit), ...(values.state != null ? { state: values.state } : {}) })
    const { alerts } = await client.get<{ alerts: Alert[] }>(`/api/v1/alerts?${query.toString()}`)
    const now = Date.now()
    process.stdout.write(json
      ? JSON.stringify(alerts) + '\n'
      : alerts.length === 0
        ? `no ${values.state ?? ''} alerts`.replace('  ', ' ') + '\n'
        : formatTable([['STATE', 'SEVERITY', 'RULE', 'DEVICE', 'METRIC', 'WHY', 'SINCE'],
          ...alerts.map(a => [a.state, a.severity, a.ruleId, a.deviceId, a.metric, a.reason, a.state === 'firing' ? ago(a.startsMs, now) : `resolved ${ago(a.endsMs ?? a.startsMs, now)}`])]))
    return 0
  }
  if (sub === 'rules') {
    const { rules } = await client.get<{ rules: AlertRule[] }>('/api/v1/alerts/rules')
    process.stdout.write(json
      ? JSON.stringify(rules) + '\n'
      : rules.length === 0
        ? 'no alert rules (fleets alerts add ID \'cpu_percent>90\')\n'
        : formatTable([['ID', 'KIND', 'METRIC', 'CONDITION', 'SEVERITY'], ...rules.map(r => [r.id, r.kind, r.metric,
          r.kind === 'threshold' ? `${r.op} ${r.threshold}${r.forMs > 0 ? ` for ${r.forMs / 1000}s` : ''}` : `> ${r.deviations}σ from last ${r.windowSamples}`, r.severity])]))
    return 0
  }
  const [id, expression] = positionals
  if (id == null) throw new UsageError("give the rule's id: fleets alerts add ID 'METRIC OP NUMBER'", command)
  const severity = values.severity ?? 'warning'
  if (!['info', 'warning', 'critical'].includes(severity)) throw new UsageError(`--severity must be info, warning or critical, got '${severity}'`, command)
  let rule: Record<string, unknown>
  if (values.anomaly != null) {
    if (expression != null) throw new UsageError('give either an expression or --anomaly METRIC, not both', command)
    const deviations = values.deviations != null ? Number(values.deviations) : 3
    const windowSamples = values.window != null ? Number(values.window) : 30
    if (!(deviations > 0)) throw new UsageError(`--deviations must be a positive number, got '${values.deviations ?? ''}'`, command)
    if (!Number.isInteger(windowSamples) || windowSamples < 3) throw new UsageError(`--window must be an integer of at least 3, got '${values.window ?? ''}'`, command)
    rule = { id, kind: 'anomaly', metric: values.anomaly, deviations, windowSamples, minSamples: Math.min(10, windowSamples), severity }
  } else {
    if (expression == null) throw new UsageError("give a condition like 'cpu_percent>90', or --anomaly METRIC", command)
    let parsed
    try {
      parsed = parseThresholdExpression(expression, id)
    } catch (err) {
      throw new UsageError((err as Error).message, command)
    }
    rule = { ...parsed, severity, forMs: values.for != null ? parseDurationMs(command, 'for', values.for) : 0 }
  }
  const saved = await client.post<AlertRule>('/api/v1/alerts/rules', rule)
  process.stdout.write(json ? JSON.stringify(saved) + '\n' : `alert rule ${saved.id} saved\n`)
  return 0
}
