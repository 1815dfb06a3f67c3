/**
 * Packs one sample into the wire's DeviceMetrics. Counts are checked against the wire limits
 * here, so a message the agent builds is one every receiver accepts: interfaces and addresses,
 * which the device does not control, are trimmed deterministically; processes and custom
 * metrics, which the agent bounds itself, are asserted.
 */
import { ok as assert } from 'node:assert'
import {
  METRICS_CUSTOM_MAX, METRICS_INTERFACE_ADDRESSES_MAX, METRICS_INTERFACES_MAX, METRICS_PROCESSES_MAX
} from '../../../proto/index.js'
import { CUSTOM_KEY_SEPARATOR } from './constants.js'
import type { CustomMetric } from './custom-metrics-store.js'
import type { ProcessSample } from './process-sampler.js'
import type { SystemSample } from './system-sampler.js'
import type { DeviceMetrics, ProcessStatus } from '../../../proto/index.js'

export interface DeviceMetricsParts {
  system: SystemSample
  processes: ProcessStatus[]
  /** From `customMetricsStore().snapshot()`. */
  custom: CustomMetric[]
  /** libp2p peer id of this device. */
  deviceId: string
  timestampMs: number
}

/**
 * A DeviceMetrics message. Custom metrics are keyed `app/name`; float fields hold their
 * float32 value, so what is built equals what a receiver decodes.
 */
export function buildDeviceMetrics (parts: DeviceMetricsParts): DeviceMetrics {
  const { system, processes, custom } = parts
  assert(processes.length <= METRICS_PROCESSES_MAX, `${processes.length} processes is over METRICS_PROCESSES_MAX (${METRICS_PROCESSES_MAX})`)
  assert(custom.length <= METRICS_CUSTOM_MAX, `${custom.length} custom metrics is over METRICS_CUSTOM_MAX (${METRICS_CUSTOM_MAX})`)
  const customMetrics = new Map<string, number>()
  for (const { app, name, value } of custom) customMetrics.set(`${app}${CUSTOM_KEY_SEPARATOR}${name}`, value)
  return {
    systemInfo: { ...system.systemInfo },
    loadAverage: { ...system.loadAverage },
    // Physical and loopback interfaces sort before the veths and bridges a busy host piles up.
    interfaces: [...system.interfaces]
      .sort((a, b) => Number(isVirtual(a.name)) - Number(isVirtual(b.name)) || a.name.localeCompare(b.name))
      .slice(0, METRICS_INTERFACES_MAX)
      .map(i => ({ ...i, addresses: i.addresses.slice(0, METRICS_INTERFACE_ADDRESSES_MAX) })),
    processes: processes.map(p => ({ ...p, cpuPercent: Math.fround(p.cpuPercent) })),
    customMetrics,
    cpuPercent: Math.fround(system.cpuPercent),
    memoryUsed: system.memoryUsedBytes,
    diskUsed: system.diskUsedBytes,
    deviceId: parts.deviceId,
    timestampMs: parts.timestampMs
  }
}

/** What the supervisor knows of a process (its app, state, restarts) joined with its sample. */
export interface ProcessFacts { app: string, pid: number, state: string, restarts: number, exitCode?: number }

/** A ProcessStatus; without a sample (the process is not running) CPU, RSS and uptime are 0. */
export function processStatus (facts: ProcessFacts, sample: ProcessSample | undefined): ProcessStatus {
  return {
    ...facts,
    cpuPercent: sample?.cpuPercent ?? 0,
    memoryRss: sample?.memoryRssBytes ?? 0,
    uptimeMs: sample?.uptimeMs ?? 0
  }
}

function isVirtual (name: string): boolean {
  return /^(veth|br-|docker|virbr|cni|flannel|tap|tun)/.test(name)
}
