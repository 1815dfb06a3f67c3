/**
 * DeviceMetrics → the flat `name → value` map a telemetry report carries (the report's
 * `metrics` field), and the names the coordinator stores series under:
 *   system  `cpu_percent`, `memory_used_bytes`, `memory_total_bytes`, `disk_used_bytes`,
 *           `disk_total_bytes`, `load1`, `load5`, `load15`, `uptime_seconds`,
 *           `net_rx_bytes`, `net_tx_bytes`, `net_errors` (non-loopback interfaces summed)
 *   apps    `app:<name>:cpu_percent`, `app:<name>:memory_rss_bytes`, `app:<name>:restarts`, `app:<name>:up`
 *   custom  `<app>/<name>` as the app pushed it
 * Bounded by the report's map limit: system first, then apps, then custom metrics, each in
 * name order, so what is cut under the bound is the same on every sample.
 */
import { SAMPLE_METRICS_MAX } from './constants.js'
import type { DeviceMetrics } from '../../proto/index.js'

export type MetricMap = Record<string, number>

export function flattenDeviceMetrics (m: DeviceMetrics, metricsMax = SAMPLE_METRICS_MAX): MetricMap {
  const out: Array<[string, number]> = []
  const sys = m.systemInfo
  out.push(['cpu_percent', round(m.cpuPercent)], ['memory_used_bytes', m.memoryUsed], ['disk_used_bytes', m.diskUsed])
  if (sys != null) out.push(['memory_total_bytes', sys.memoryTotal], ['disk_total_bytes', sys.diskTotal], ['uptime_seconds', sys.uptimeSeconds])
  if (m.loadAverage != null) out.push(['load1', m.loadAverage.load1], ['load5', m.loadAverage.load5], ['load15', m.loadAverage.load15])
  let rx = 0; let tx = 0; let errors = 0
  for (const i of m.interfaces) {
    if (i.name === 'lo') continue
    rx += i.rxBytes; tx += i.txBytes; errors += i.rxErrors + i.txErrors
  }
  out.push(['net_rx_bytes', rx], ['net_tx_bytes', tx], ['net_errors', errors])

  // An app runs one process per version during a blue-green switch: sum them under the app's name.
  const apps = new Map<string, { cpu: number, rss: number, restarts: number, up: number }>()
  for (const p of m.processes) {
    const name = p.app.split('@')[0] ?? p.app
    const a = apps.get(name) ?? { cpu: 0, rss: 0, restarts: 0, up: 0 }
    a.cpu += p.cpuPercent; a.rss += p.memoryRss; a.restarts += p.restarts
    if (p.state === 'running') a.up = 1
    apps.set(name, a)
  }
  for (const name of [...apps.keys()].sort()) {
    const a = apps.get(name)
    if (a == null) continue
    out.push([`app:${name}:cpu_percent`, round(a.cpu)], [`app:${name}:memory_rss_bytes`, a.rss], [`app:${name}:restarts`, a.restarts], [`app:${name}:up`, a.up])
  }
  for (const key of [...m.customMetrics.keys()].sort()) out.push([key, m.customMetrics.get(key) ?? 0])

  const result: MetricMap = {}
  for (const [name, value] of out.slice(0, metricsMax)) if (Number.isFinite(value)) result[name] = value
  return result
}

/** float32 fields carry noise past 4 decimals. */
function round (v: number): number {
  return Math.round(v * 10_000) / 10_000
}

/** Names a series may have: what flatten produces, and what apps may push (`app/name`). */
export const METRIC_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.:/-]{0,127}$/
