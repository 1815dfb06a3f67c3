/**
 * Telemetry in `fleet-node join`: samples the device every `--telemetry-interval` into its own
 * durable outbox (`<storage>/telemetry/reports`) and sends it to the coordinator over the same
 * reports protocol as deployment reports. A separate outbox, so a long partition fills it with
 * samples and drops its oldest samples, never a deployment report.
 */
import { join } from 'node:path'
import { openReportOutbox, reportSender } from '../../plans/index.js'
import { systemClock, systemRandom } from '../../ports/index.js'
import { deviceTelemetry, TELEMETRY_OUTBOX_BYTES_MAX, TELEMETRY_OUTBOX_ENTRIES_MAX } from '../../telemetry/index.js'
import type { ComponentLogger } from '../../logging/index.js'
import type { MeshNode } from '../../mesh/index.js'
import type { DeviceMetrics } from '../../../proto/index.js'

export interface RunningTelemetry {
  stats(): { samples: number, failures: number, pending: number, delivered: number, lastError?: string }
  stop(): Promise<void>
}

export async function startDeviceTelemetry (options: {
  mesh: MeshNode, storageDir: string, intervalMs: number, logger: ComponentLogger, collect(): Promise<DeviceMetrics>
}): Promise<RunningTelemetry> {
  const clock = systemClock()
  const outbox = await openReportOutbox(join(options.storageDir, 'telemetry'), { clock, deviceId: options.mesh.libp2p.peerId.toString() }, {
    entriesMax: TELEMETRY_OUTBOX_ENTRIES_MAX, bytesMax: TELEMETRY_OUTBOX_BYTES_MAX
  })
  const sender = reportSender()({ libp2p: options.mesh.libp2p, outbox, clock, random: systemRandom(), logger: options.logger })
  const sampler = deviceTelemetry({ intervalMs: options.intervalMs })({ clock, logger: options.logger, collect: async () => await options.collect(), outbox })
  sender.start()
  sampler.start()
  return {
    stats: () => {
      const s = sampler.stats()
      const d = sender.stats()
      return { samples: s.samples, failures: s.failures, pending: outbox.stats().pending, delivered: d.delivered, ...(s.lastError != null ? { lastError: s.lastError } : {}) }
    },
    stop: async () => {
      await sampler.stop()
      await sender.stop()
      await outbox.close()
    }
  }
}
