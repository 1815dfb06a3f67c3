import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeDeviceReport } from '../../proto/index.js'
import { silentLogger } from '../logging/index.js'
import { openReportOutbox } from '../plans/index.js'
import { buildDeviceMetrics, customMetricsHandler, customMetricsStore, processMetrics, processStatus, systemMetricsSampler } from '../runtime/metrics/index.js'
import { manualClock } from '../coordinator/server/test-support.js'
import { deviceTelemetry, flattenDeviceMetrics, TELEMETRY_STEP } from './index.js'

describe('device telemetry', () => {
  it('flattens a real sample of this machine: system, app processes summed per app, custom metrics, within the bound', async () => {
    const custom = customMetricsStore()
    customMetricsHandler({ store: custom })('web', 'error_rate 0.02\nrequests 7', 'text/plain')
    const self = await processMetrics(process.pid).sample()
    const m = buildDeviceMetrics({
      system: await systemMetricsSampler().sample(),
      processes: [processStatus({ app: 'web@1.0.0', pid: process.pid, state: 'running', restarts: 1 }, self), processStatus({ app: 'web@2.0.0', pid: 0, state: 'starting', restarts: 2 }, undefined)],
      custom: custom.snapshot(), deviceId: '12D3KooWFlatten', timestampMs: 1
    })
    const flat = flattenDeviceMetrics(m)
    expect(flat.memory_total_bytes).toBeGreaterThan(0)
    expect(flat.cpu_percent).toBeGreaterThanOrEqual(0)
    expect(flat['app:web:restarts']).toBe(3)
    expect(flat['app:web:up']).toBe(1)
    expect(flat['app:web:memory_rss_bytes']).toBe(self?.memoryRssBytes)
    expect(flat['web/error_rate']).toBe(0.02)
    expect(Object.keys(flattenDeviceMetrics(m, 5))).toEqual(['cpu_percent', 'memory_used_bytes', 'disk_used_bytes', 'memory_total_bytes', 'disk_total_bytes'])
  })

  it('appends each sample to a real outbox as a telemetry report without a deployment', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetd-device-telemetry-'))
    const clock = manualClock()
    const outbox = await openReportOutbox(dir, { clock, deviceId: '12D3KooWDeviceTelemetry' })
    const m = buildDeviceMetrics({ system: await systemMetricsSampler().sample(), processes: [], custom: [], deviceId: '12D3KooWDeviceTelemetry', timestampMs: clock.nowMs() })
    let failNext = false
    const sampler = deviceTelemetry({ intervalMs: 1_000 })({
      clock, logger: silentLogger, outbox,
      collect: async () => { if (failNext) throw new Error('/proc vanished'); return await Promise.resolve(m) }
    })
    await sampler.sampleOnce()
    const [entry] = await outbox.peek(10, 1 << 20)
    const report = decodeDeviceReport(entry?.bytes ?? new Uint8Array())
    expect(report).toMatchObject({ step: TELEMETRY_STEP, deploymentId: '', deviceId: '12D3KooWDeviceTelemetry', sentMs: clock.nowMs() })
    expect(Object.fromEntries(report.metrics)).toEqual(flattenDeviceMetrics(m))
    failNext = true
    sampler.start() // the loop's first sample fails: counted, the loop goes on
    await new Promise(resolve => setTimeout(resolve, 50))
    await sampler.stop()
    expect(sampler.stats()).toMatchObject({ samples: 1, failures: 1, lastError: '/proc vanished' })
    expect(() => deviceTelemetry({ intervalMs: 10 })).toThrow(/at least 1000 ms/)
    await outbox.close()
  })
})
