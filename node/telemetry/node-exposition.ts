/**
 * A fleet-node's own Prometheus exposition (`fleet-node join --metrics-listen`): what the
 * telemetry sampler already gathers (system, interfaces, app processes, custom metrics), plus
 * the node's mesh, outboxes, agent and process. Rendered by renderPrometheus, so the text
 * passes `promtool check metrics`. Names carry the `fleetd_node_` prefix; units go last.
 */
import { renderPrometheus } from './prometheus.js'
import type { PromFamily, PromSample } from './prometheus.js'
import type { DeviceMetrics } from '../../proto/index.js'

export interface NodeExpositionInput {
  metrics: DeviceMetrics
  /** Connected peers and the fleet members seen by presence. */
  mesh: { connections: number, peers: number, refusals: number }
  /** Reports waiting in the outboxes (deployment reports, telemetry samples). */
  outbox?: { reports: number, telemetry: number }
  agent?: { converged: boolean, apps: number }
  /** This process (the fleet-node), from process.memoryUsage() and cpuUsage(). */
  process: { rssBytes: number, heapUsedBytes: number, cpuUserSeconds: number, cpuSystemSeconds: number, startSeconds: number }
  logs?: { active: number, served: number, refused: number, dropped: number }
  version: string
}

const gauge = (name: string, help: string, samples: PromSample[]): PromFamily => ({ name, help, type: 'gauge', samples })
const counter = (name: string, help: string, samples: PromSample[]): PromFamily => ({ name, help, type: 'counter', samples })
const one = (value: number): PromSample[] => [{ value }]

export function renderNodeExposition (i: NodeExpositionInput): string {
  const m = i.metrics
  const sys = m.systemInfo
  const f: PromFamily[] = [
    gauge('fleetd_node_info', 'The node: device id and version (always 1)', [{ labels: { device: m.deviceId, version: i.version }, value: 1 }]),
    gauge('fleetd_node_cpu_percent', 'Whole-device CPU use over the last sample, percent of all cores', one(m.cpuPercent)),
    gauge('fleetd_node_memory_used_bytes', 'Device memory in use', one(m.memoryUsed)),
    gauge('fleetd_node_disk_used_bytes', 'Bytes used on the file system of the storage dir', one(m.diskUsed))
  ]
  if (sys != null) {
    f.push(
      gauge('fleetd_node_memory_total_bytes', 'Device memory', one(sys.memoryTotal)),
      gauge('fleetd_node_disk_total_bytes', 'Size of the file system of the storage dir', one(sys.diskTotal)),
      gauge('fleetd_node_uptime_seconds', 'Device uptime', one(sys.uptimeSeconds)),
      gauge('fleetd_node_cpus', 'CPU cores', one(sys.cpuCount))
    )
  }
  if (m.loadAverage != null) {
    f.push(gauge('fleetd_node_load', 'Load average', [1, 5, 15].map(n => ({ labels: { window: `${n}m` }, value: m.loadAverage?.[`load${n}` as 'load1'] ?? 0 }))))
  }
  const ifaces = m.interfaces.filter(x => x.name !== '')
  f.push(
    counter('fleetd_node_network_receive_bytes_total', 'Bytes received per interface', ifaces.map(x => ({ labels: { interface: x.name }, value: x.rxBytes }))),
    counter('fleetd_node_network_transmit_bytes_total', 'Bytes sent per interface', ifaces.map(x => ({ labels: { interface: x.name }, value: x.txBytes }))),
    counter('fleetd_node_network_errors_total', 'Receive and transmit errors per interface', ifaces.map(x => ({ labels: { interface: x.name }, value: x.rxErrors + x.txErrors }))),
    gauge('fleetd_node_network_up', 'Interface up (1) or down (0)', ifaces.map(x => ({ labels: { interface: x.name }, value: x.up ? 1 : 0 })))
  )
  const procs = m.processes.map(p => ({ labels: { app: p.app.split('@')[0] ?? p.app, version: p.app.split('@')[1] ?? '' }, p }))
  f.push(
    gauge('fleetd_node_app_up', 'App process running (1) or not (0), per app version', procs.map(({ labels, p }) => ({ labels, value: p.state === 'running' ? 1 : 0 }))),
    gauge('fleetd_node_app_cpu_percent', 'App process CPU use, percent of one core', procs.map(({ labels, p }) => ({ labels, value: p.cpuPercent }))),
    gauge('fleetd_node_app_memory_rss_bytes', 'App process resident memory', procs.map(({ labels, p }) => ({ labels, value: p.memoryRss }))),
    counter('fleetd_node_app_restarts_total', 'App process restarts', procs.map(({ labels, p }) => ({ labels, value: p.restarts }))),
    gauge('fleetd_node_app_custom', 'Metrics the apps pushed to the agent (app/name)', [...m.customMetrics.entries()].sort(([a], [b]) => a < b ? -1 : 1)
      .map(([key, value]) => ({ labels: { app: key.split('/')[0] ?? '', name: key.split('/').slice(1).join('/') }, value })))
  )
  f.push(
    gauge('fleetd_node_mesh_connections', 'Open libp2p connections', one(i.mesh.connections)),
    gauge('fleetd_node_mesh_peers', 'Fleet members this node sees by presence', one(i.mesh.peers)),
    counter('fleetd_node_mesh_refusals_total', 'Connections refused (another fleet, no token)', one(i.mesh.refusals))
  )
  if (i.outbox != null) {
    f.push(gauge('fleetd_node_outbox_pending', 'Reports waiting for the coordinator, per outbox', [
      { labels: { outbox: 'reports' }, value: i.outbox.reports }, { labels: { outbox: 'telemetry' }, value: i.outbox.telemetry }
    ]))
  }
  if (i.agent != null) {
    f.push(gauge('fleetd_node_agent_converged', 'The agent runs what its targets say (1) or is still working (0)', one(i.agent.converged ? 1 : 0)),
      gauge('fleetd_node_agent_apps', 'Apps the agent manages', one(i.agent.apps)))
  }
  if (i.logs != null) {
    f.push(gauge('fleetd_node_log_streams', 'Log streams being served to the coordinator', one(i.logs.active)),
      counter('fleetd_node_log_streams_served_total', 'Log streams served', one(i.logs.served)),
      counter('fleetd_node_log_streams_refused_total', 'Log requests refused (not signed by the coordinator)', one(i.logs.refused)),
      counter('fleetd_node_log_lines_dropped_total', 'Log lines dropped for readers slower than the apps', one(i.logs.dropped)))
  }
  f.push(
    gauge('fleetd_node_process_resident_memory_bytes', 'Resident memory of the fleet-node process', one(i.process.rssBytes)),
    gauge('fleetd_node_process_heap_used_bytes', 'V8 heap in use by the fleet-node process', one(i.process.heapUsedBytes)),
    counter('fleetd_node_process_cpu_seconds_total', 'CPU time of the fleet-node process', [
      { labels: { mode: 'user' }, value: i.process.cpuUserSeconds }, { labels: { mode: 'system' }, value: i.process.cpuSystemSeconds }
    ]),
    gauge('fleetd_node_process_start_time_seconds', 'When the fleet-node process started (Unix seconds)', one(i.process.startSeconds))
  )
  return renderPrometheus(f.filter(x => x.samples.length > 0))
}
