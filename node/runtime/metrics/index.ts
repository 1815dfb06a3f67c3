/**
 * Device metrics, packaged as the wire's DeviceMetrics: system (CPU %, memory, disk, load
 * average, network interfaces) from /proc and statfs, per process (CPU %, RSS, uptime) from
 * /proc/<pid>, and custom metrics apps push to the agent's loopback endpoint
 * (`POST /apps/<app>/metrics`, JSON or Prometheus text), bounded per app and in apps.
 *
 * @example
 * ```ts
 * import { buildDeviceMetrics, customMetricsHandler, customMetricsStore, processMetrics, processStatus, systemMetricsSampler } from './metrics/index.js'
 * import { encodeDeviceMetrics } from '../../../proto/index.js'
 * const system = systemMetricsSampler({ diskPath: '/var/lib/fleetd' })
 * const web = processMetrics(4242)
 * const custom = customMetricsStore()
 * const push = customMetricsHandler({ store: custom })
 * const answer = push('web', 'queue_depth 3\n', 'text/plain') // { accepted: 1 }, or an error with httpStatus and code
 * if (answer instanceof Error) console.log(answer.code, answer.httpStatus)
 * const processes = [processStatus({ app: 'web', pid: 4242, state: 'running', restarts: 0 }, await web.sample())]
 * const metrics = buildDeviceMetrics({ system: await system.sample(), processes, custom: custom.snapshot(), deviceId: '12D3KooW…', timestampMs: Date.now() })
 * const bytes = encodeDeviceMetrics(metrics)
 * ```
 */
export { systemMetricsSampler } from './system-sampler.js'
export type { SystemMetricsInit, SystemMetricsSampler, SystemSample } from './system-sampler.js'
export { processMetrics, procConstants } from './process-sampler.js'
export type { ProcConstants, ProcessMetricsInit, ProcessMetricsSampler, ProcessSample } from './process-sampler.js'
export { customMetricsStore } from './custom-metrics-store.js'
export type { CustomMetric, CustomMetricsStore, CustomMetricsStoreInit } from './custom-metrics-store.js'
export { customMetricsHandler, parseCustomMetrics } from './custom-metrics-handler.js'
export type { CustomMetricsHandler, CustomMetricsHandlerComponents } from './custom-metrics-handler.js'
export { buildDeviceMetrics, processStatus } from './device-metrics.js'
export type { DeviceMetricsParts, ProcessFacts } from './device-metrics.js'
export { CustomMetricsInvalidError, CustomMetricsLimitError, MetricsUnavailableError } from './errors.js'
export type { CustomMetricsError } from './errors.js'
export * from './constants.js'
export { MetricsEndpoint } from './metrics-endpoint.js'
