/**
 * The coordinator's observability: the telemetry time-series store and alert manager on the
 * coordinator's database, the routes that expose them (`/api/v1/devices/:id/metrics`,
 * `/api/v1/telemetry/summary`, `/api/v1/fleet/health`, `/api/v1/alerts…`), Prometheus
 * `/metrics`, the Server-Sent Events stream `/api/v1/events`, and the web dashboard at `/ui/`.
 * It plugs into the API server (`plugins: [obs.plugin]`) and takes telemetry reports from
 * the report receiver (`obs.onReport(report)`).
 *
 * @example
 * ```ts
 * import { observability } from './observability/index.js'
 * import { createApiServer } from './server/index.js'
 * import { deviceRegistry } from './registry/index.js'
 * import { CoordinatorStore } from './store/index.js'
 * import { consoleLogger } from '../logging/index.js'
 * import { systemClock, systemRandom } from '../ports/index.js'
 *
 * const store = await CoordinatorStore.open('/tmp/fleet-obs-example.db')
 * const clock = systemClock()
 * const logger = consoleLogger()
 * const registry = deviceRegistry()({ store, clock, logger })
 * const obs = await observability({ webhookUrl: 'http://127.0.0.1:9093/hook' })({ store, registry, clock, random: systemRandom(), logger })
 * const server = createApiServer({ store, registry, clock, logger, plugins: [obs.plugin] })
 * obs.start()
 * await server.listen(8080, '127.0.0.1')
 * // report receiver: if (!await obs.onReport(report)) await registry.applyReport(report)
 * await server.close()
 * await obs.stop()
 * await store.close()
 * ```
 */
import { Observability } from './observability.js'
import type { DeviceRegistry } from '../registry/index.js'
import type { CoordinatorStore } from '../store/index.js'
import type { ComponentLogger } from '../../logging/index.js'
import type { Clock, Random } from '../../ports/index.js'
import type { TelemetryStoreConfig } from '../../telemetry/index.js'

export interface ObservabilityInit {
  /** Retention and downsampling. @default telemetryConfigSchema defaults (raw 24 h, 1-min rollups 30 d) */
  telemetry?: Partial<TelemetryStoreConfig>
  /** Alert notifications are POSTed here. @default none */
  webhookUrl?: string
  /** Where the dashboard's files are. @default dashboardDir() */
  dashboardDir?: string
}

export interface ObservabilityComponents {
  store: CoordinatorStore
  registry: DeviceRegistry
  clock: Clock
  random: Random
  logger: ComponentLogger
  /** The report receiver's counters, for /metrics. */
  reportStats?: () => { received: number, failed: number, batches: number }
  /** @default the package version */
  version?: string
}

export function observability (init: ObservabilityInit = {}): (c: ObservabilityComponents) => Promise<Observability> {
  return async (c) => await Observability.open(c, init)
}

export { Observability } from './observability.js'
export { METRIC_ALIASES } from './routes.js'
export { EVENT_TOPICS } from './event-stream.js'
export type { EventTopic } from './event-stream.js'
export type { DeploymentProgress, FleetHealth } from './fleet-health.js'
export { TooManyStreamsError } from './plugin.js'
export { deviceLogsPlugin, LOGS_CONTENT_TYPE } from './log-routes.js'
export type { OpenLogs } from './log-routes.js'
export { dashboardDir } from './dashboard-files.js'
export * from './constants.js'
