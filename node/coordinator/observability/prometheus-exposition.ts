import { renderPrometheus } from '../../telemetry/index.js'
import { PROMETHEUS_DEVICES_MAX } from './constants.js'
import type { FleetHealthView } from './fleet-health.js'
import type { ObservabilityComponents } from './index.js'
import type { AlertManager, PromFamily, TelemetryStore } from '../../telemetry/index.js'

/** Device metrics exported per device (the latest sample), with their Prometheus names. */
const DEVICE_SERIES: Array<[metric: string, name: string, help: string]> = [
  ['cpu_percent', 'fleetd_device_cpu_percent', 'CPU use of the device in percent (latest sample)'],
  ['memory_used_bytes', 'fleetd_device_memory_used_bytes', 'Memory in use on the device (latest sample)'],
  ['disk_used_bytes', 'fleetd_device_disk_used_bytes', 'Disk space used by the storage dir filesystem (latest sample)'],
  ['load1', 'fleetd_device_load1', 'One-minute load average (latest sample)']
]

/**
 * The coordinator's /metrics: fleet (devices by status, telemetry), deployments (by state,
 * phase and report health of the followed ones), alerting, and the coordinator process itself.
 */
export async function prometheusExposition (c: Pick<ObservabilityComponents, 'reportStats' | 'version'> & { health: FleetHealthView, telemetry: TelemetryStore, alerts: AlertManager }): Promise<string> {
  const { health, statuses, deployments } = await c.health.snapshot()
  const t = c.telemetry.stats()
  const a = c.alerts.stats()
  const families: PromFamily[] = [
    { name: 'fleetd_build_info', help: 'FleetD version of the coordinator', type: 'gauge', samples: [{ labels: { version: c.version ?? 'unknown' }, value: 1 }] },
    { name: 'fleetd_devices', help: 'Devices in the registry by status', type: 'gauge', samples: [{ labels: { status: 'online' }, value: health.devices.online }, { labels: { status: 'offline' }, value: health.devices.offline }] },
    { name: 'fleetd_deployments', help: 'Deployments by state', type: 'gauge', samples: Object.entries(health.deployments.byState).sort().map(([state, value]) => ({ labels: { state }, value })) },
    { name: 'fleetd_deployment_phase', help: 'Phase reached by a followed deployment (0-based)', type: 'gauge', samples: deployments.map(d => ({ labels: { deployment: d.id, app: d.app, state: d.state }, value: d.phase })) },
    {
      name: 'fleetd_deployment_devices', help: 'Devices reporting on a followed deployment, by health', type: 'gauge',
      samples: deployments.flatMap(d => Object.entries(d.counts.byHealth).sort().map(([h, value]) => ({ labels: { deployment: d.id, health: h.toLowerCase() }, value })))
    },
    { name: 'fleetd_deployment_errors', help: 'Devices whose latest report on a followed deployment carries an error', type: 'gauge', samples: deployments.map(d => ({ labels: { deployment: d.id }, value: d.counts.errors })) },
    { name: 'fleetd_telemetry_samples_total', help: 'Telemetry samples stored', type: 'counter', samples: [{ value: t.samples }] },
    { name: 'fleetd_telemetry_duplicates_total', help: 'Telemetry samples dropped as duplicates (redelivered after a lost ack)', type: 'counter', samples: [{ value: t.duplicates }] },
    { name: 'fleetd_telemetry_write_batches_total', help: 'Store batches written by telemetry ingestion (group commits)', type: 'counter', samples: [{ value: t.batches }] },
    { name: 'fleetd_telemetry_devices', help: 'Devices that have sent telemetry', type: 'gauge', samples: [{ value: t.devices }] },
    { name: 'fleetd_alerts_firing', help: 'Alerts firing now', type: 'gauge', samples: [{ value: a.firing }] },
    { name: 'fleetd_alert_rules', help: 'Alert rules configured', type: 'gauge', samples: [{ value: a.rules }] },
    { name: 'fleetd_alert_transitions_total', help: 'Alerts that fired or resolved', type: 'counter', samples: [{ labels: { to: 'firing' }, value: a.fired }, { labels: { to: 'resolved' }, value: a.resolved }] },
    {
      name: 'fleetd_alert_notifications_total', help: 'Webhook notifications by outcome', type: 'counter',
      samples: [{ labels: { result: 'delivered' }, value: a.notified }, { labels: { result: 'failed' }, value: a.notifyFailures }, { labels: { result: 'dropped' }, value: a.notifyDropped }]
    }
  ]
  const reports = c.reportStats?.()
  if (reports != null) {
    families.push({ name: 'fleetd_reports_received_total', help: 'Device reports (deployment and telemetry) received over the mesh', type: 'counter', samples: [{ value: reports.received }] })
    families.push({ name: 'fleetd_report_batches_failed_total', help: 'Report batches that ended early', type: 'counter', samples: [{ value: reports.failed }] })
  }
  const names = new Map(statuses.map(s => [s.id, s.name ?? '']))
  const latest = [...c.telemetry.latestAll()].slice(0, PROMETHEUS_DEVICES_MAX)
  for (const [metric, name, help] of DEVICE_SERIES) {
    families.push({ name, help, type: 'gauge', samples: latest.filter(s => s.metrics[metric] != null).map(s => ({ labels: { device: s.deviceId, name: names.get(s.deviceId) ?? '' }, value: s.metrics[metric] ?? 0 })) })
  }
  families.push({ name: 'fleetd_device_last_sample_timestamp_seconds', help: 'When the device sampled its latest telemetry', type: 'gauge', samples: latest.map(s => ({ labels: { device: s.deviceId }, value: s.atMs / 1000 })) })

  const mem = process.memoryUsage()
  const cpu = process.cpuUsage()
  families.push(
    { name: 'process_resident_memory_bytes', help: 'Resident memory of the coordinator process', type: 'gauge', samples: [{ value: mem.rss }] },
    { name: 'process_cpu_seconds_total', help: 'CPU time of the coordinator process (user + system)', type: 'counter', samples: [{ value: (cpu.user + cpu.system) / 1e6 }] },
    { name: 'process_start_time_seconds', help: 'Start of the coordinator process, Unix seconds', type: 'gauge', samples: [{ value: Math.round((Date.now() - process.uptime() * 1000) / 1000) }] },
    { name: 'nodejs_heap_used_bytes', help: 'V8 heap in use', type: 'gauge', samples: [{ value: mem.heapUsed }] }
  )
  return renderPrometheus(families)
}
