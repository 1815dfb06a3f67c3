import { describe, expect, it } from 'vitest'
import { buildDeviceMetrics, customMetricsHandler, customMetricsStore, processMetrics, processStatus, systemMetricsSampler } from './index.js'
import { decodeDeviceMetrics, encodeDeviceMetrics, METRICS_INTERFACES_MAX } from '../../../proto/index.js'
import type { SystemSample } from './index.js'

describe('buildDeviceMetrics', () => {
  it('packs a real sample that survives the wire encoding unchanged', async () => {
    const system = await systemMetricsSampler().sample()
    const self = processMetrics(process.pid)
    const custom = customMetricsStore()
    customMetricsHandler({ store: custom })('web', 'queue_depth 3\nlatency_seconds 0.125', 'text/plain')
    const processes = [
      processStatus({ app: 'web', pid: process.pid, state: 'running', restarts: 2 }, await self.sample()),
      processStatus({ app: 'worker', pid: 0, state: 'crash-loop', restarts: 7, exitCode: 1 }, undefined)
    ]
    const metrics = buildDeviceMetrics({ system, processes, custom: custom.snapshot(), deviceId: '12D3KooWExample', timestampMs: 1_700_000_000_123 })
    expect(metrics.customMetrics).toEqual(new Map([['web/latency_seconds', 0.125], ['web/queue_depth', 3]]))
    expect(metrics.processes[0]?.memoryRss).toBeGreaterThan(0)
    expect(metrics.processes[1]).toMatchObject({ state: 'crash-loop', exitCode: 1, memoryRss: 0 })
    expect(metrics.interfaces.some(i => i.name === 'lo')).toBe(true)
    expect(decodeDeviceMetrics(encodeDeviceMetrics(metrics))).toEqual(metrics)
  })

  it('trims interfaces to the wire limit, keeping physical ones before virtual ones', () => {
    const iface = (name: string): SystemSample['interfaces'][number] =>
      ({ name, mac: '', addresses: Array.from({ length: 40 }, (_, i) => `10.0.0.${i}/24`), rxBytes: 0, txBytes: 0, rxErrors: 0, txErrors: 0, up: true })
    const system: SystemSample = {
      systemInfo: { hostname: 'h', os: 'linux', kernel: '6', arch: 'arm64', cpuCount: 4, memoryTotal: 1, diskTotal: 1, uptimeSeconds: 1, bootTimeMs: 1 },
      loadAverage: { load1: 0, load5: 0, load15: 0 },
      interfaces: [...Array.from({ length: 100 }, (_, i) => iface(`veth${String(i).padStart(3, '0')}`)), iface('eth0'), iface('wlan0')],
      cpuPercent: 12.3,
      memoryUsedBytes: 1,
      diskUsedBytes: 1
    }
    const metrics = buildDeviceMetrics({ system, processes: [], custom: [], deviceId: 'd', timestampMs: 1 })
    expect(metrics.interfaces).toHaveLength(METRICS_INTERFACES_MAX)
    expect(metrics.interfaces.slice(0, 3).map(i => i.name)).toEqual(['eth0', 'wlan0', 'veth000'])
    expect(decodeDeviceMetrics(encodeDeviceMetrics(metrics))).toEqual(metrics)
  })
})
