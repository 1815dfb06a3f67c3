import { buildDeviceMetrics, processMetrics, processStatus } from '../runtime/metrics/index.js'
import type { Agent } from './agent.js'
import type { DeviceMetrics } from '../../proto/index.js'
import type { Clock } from '../ports/index.js'
import type { CustomMetricsStore, ProcessMetricsSampler, SystemMetricsSampler } from '../runtime/metrics/index.js'

export interface AgentMetricsComponents {
  agent: Pick<Agent, 'status'>
  system: SystemMetricsSampler
  custom: Pick<CustomMetricsStore, 'snapshot'>
  clock: Clock
  /** libp2p peer id of this device. */
  deviceId: string
}

/**
 * The device's metrics as the seed's DeviceMetrics message: system figures, one ProcessStatus
 * per app process the agent supervises (CPU % between two collections, RSS, restarts, a
 * crash loop as state `crash-loop`), and the custom metrics apps pushed.
 */
export class AgentMetrics {
  private readonly samplers = new Map<number, ProcessMetricsSampler>()

  constructor (private readonly c: AgentMetricsComponents) {}

  async collect (): Promise<DeviceMetrics> {
    const processes = []
    const seen = new Set<number>()
    for (const app of this.c.agent.status().apps) {
      for (const instance of app.instances) {
        if (instance.pid == null) continue
        seen.add(instance.pid)
        let sampler = this.samplers.get(instance.pid)
        if (sampler == null) { sampler = processMetrics(instance.pid); this.samplers.set(instance.pid, sampler) }
        const state = (instance.crashLoopCount ?? 0) > 0 ? 'crash-loop' : instance.state ?? 'unknown'
        const exitCode = instance.lastExit?.code
        processes.push(processStatus({ app: `${app.name}@${instance.version}`, pid: instance.pid, state, restarts: instance.restarts ?? 0, ...(exitCode != null ? { exitCode } : {}) }, await sampler.sample()))
      }
    }
    for (const pid of this.samplers.keys()) if (!seen.has(pid)) this.samplers.delete(pid)
    return buildDeviceMetrics({ system: await this.c.system.sample(), processes, custom: this.c.custom.snapshot(), deviceId: this.c.deviceId, timestampMs: this.c.clock.nowMs() })
  }
}
