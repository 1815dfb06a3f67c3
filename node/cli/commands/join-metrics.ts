/**
 * `fleet-node join --metrics-listen HOST:PORT`: the node's own Prometheus endpoint, fed on
 * each scrape by what the node already has: the telemetry sample (AgentMetrics), the mesh
 * status, the outboxes, the agent, the log server and this process.
 */
import { NodeMetricsServer, renderNodeExposition } from '../../telemetry/index.js'
import { FLEETD_VERSION } from '../../version.js'
import type { Agent } from '../../agent/index.js'
import type { LogServer } from '../../log-stream/index.js'
import type { MeshNode } from '../../mesh/index.js'
import type { DeviceMetrics } from '../../../proto/index.js'
import type { DevicePlans } from './join-plans.js'
import type { RunningTelemetry } from './join-telemetry.js'

export interface RunningNodeMetrics {
  /** http://HOST:PORT/metrics, with the port chosen when 0 was asked. */
  url: string
  stop(): Promise<void>
}

export async function startNodeMetrics (o: {
  host: string
  port: number
  mesh: MeshNode
  agent: Agent
  collect(): Promise<DeviceMetrics>
  plans?: DevicePlans | undefined
  telemetry?: RunningTelemetry | undefined
  logs?: LogServer | undefined
}): Promise<RunningNodeMetrics> {
  const server = new NodeMetricsServer(async () => {
    const s = o.mesh.status()
    const cpu = process.cpuUsage()
    const mem = process.memoryUsage()
    const agent = o.agent.status()
    return renderNodeExposition({
      metrics: await o.collect(),
      mesh: { connections: s.connections.length, peers: s.peers.length, refusals: s.refusals.total },
      ...(o.plans != null ? { outbox: { reports: o.plans.outboxPending(), telemetry: o.telemetry?.stats().pending ?? 0 } } : {}),
      agent: { converged: agent.converged, apps: agent.apps.length },
      process: {
        rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, cpuUserSeconds: cpu.user / 1e6, cpuSystemSeconds: cpu.system / 1e6,
        startSeconds: Math.round(Date.now() / 1000 - process.uptime())
      },
      ...(o.logs != null ? { logs: o.logs.stats() } : {}),
      version: FLEETD_VERSION
    })
  })
  const url = await server.start(o.host, o.port)
  return { url, stop: async () => { await server.stop() } }
}
