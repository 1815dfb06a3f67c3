/**
 * Health checks of supervised apps: HTTP (path, expected status), TCP connect and exec probes
 * with interval, timeout, retries and a start period (the seed's `health_check`).
 *
 * @example
 * ```ts
 * import { HealthMonitor, healthCheckSchema } from './health/index.js'
 * import { systemClock } from '../../ports/index.js'
 * const spec = healthCheckSchema.parse({ kind: 'http', port: 8080, path: '/health' })
 * const monitor = new HealthMonitor({ clock: systemClock() }, spec)
 * monitor.start()
 * await monitor.waitUntilHealthy(30_000)
 * monitor.stop()
 * ```
 */
export { healthCheckSchema } from './health-spec.js'
export type { HealthCheckInput, HealthCheckSpec } from './health-spec.js'
export { probe } from './probes.js'
export type { ProbeContext, ProbeResult } from './probes.js'
export { HealthMonitor } from './health-monitor.js'
export type { HealthMonitorComponents, HealthStatus } from './health-monitor.js'
export { HealthCheckFailedError } from './errors.js'
