import { Health } from '../../proto/index.js'
import { flattenDeviceMetrics } from './flatten.js'
import { TELEMETRY_STEP } from './constants.js'
import type { DeviceTelemetryComponents, DeviceTelemetryInit, DeviceTelemetryStats } from './index.js'
import type { Logger } from '../logging/index.js'

/**
 * The device side: every `intervalMs` collects the device's DeviceMetrics, flattens them and
 * appends them to the telemetry outbox as a report with step `telemetry` (no deployment).
 * The report sender carries them home like deployment reports, so telemetry survives
 * restarts and partitions the same way, within the telemetry outbox's own bound.
 */
export class DeviceTelemetry {
  private readonly log: Logger
  private readonly counters: DeviceTelemetryStats = { samples: 0, failures: 0 }
  private controller?: AbortController
  private loopDone?: Promise<void>

  constructor (private readonly c: DeviceTelemetryComponents, private readonly init: Required<DeviceTelemetryInit>) {
    this.log = c.logger.forComponent('fleet:telemetry')
  }

  start (): void {
    if (this.controller != null) return
    this.controller = new AbortController()
    this.loopDone = this.loop(this.controller.signal)
  }

  async stop (): Promise<void> {
    if (this.controller == null) return
    this.controller.abort()
    this.controller = undefined
    await this.loopDone
  }

  stats (): DeviceTelemetryStats {
    return { ...this.counters }
  }

  /** Collects and queues one sample now; returns the metric map sent. */
  async sampleOnce (): Promise<Record<string, number>> {
    const metrics = flattenDeviceMetrics(await this.c.collect())
    await this.c.outbox.append({ deploymentId: '', planSeq: 0, step: TELEMETRY_STEP, health: Health.HEALTHY, metrics })
    this.counters.samples++
    this.counters.lastSampleMs = this.c.clock.nowMs()
    return metrics
  }

  private async loop (signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.sampleOnce()
      } catch (err) {
        // A full disk or a vanished /proc entry costs one sample, never the loop.
        this.counters.failures++
        this.counters.lastError = (err as Error).message
        this.log.warn('telemetry sample failed: %s', (err as Error).message)
      }
      try {
        await this.c.clock.sleep(this.init.intervalMs, { signal })
      } catch {
        return
      }
    }
  }
}
