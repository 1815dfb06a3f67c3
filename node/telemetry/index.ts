/**
 * Telemetry: the device samples its DeviceMetrics (system figures from /proc, the supervised
 * apps' processes, custom metrics apps push) every `intervalMs` and queues them in a durable
 * telemetry outbox that the report sender delivers over /fleetd/reports/1.0.0 like deployment
 * reports (step `telemetry`, no deployment). The coordinator stores them as time series
 * (raw for 24 h, 1-minute rollups for 30 days by default), answers range queries, evaluates
 * alert rules on every sample and renders Prometheus text.
 *
 * @example
 * ```ts
 * import { Level } from 'level'
 * import { alertManager, deviceTelemetry, telemetryConfigSchema, telemetryStore } from './telemetry/index.js'
 * import { consoleLogger } from '../logging/index.js'
 * import { systemClock, systemRandom } from '../ports/index.js'
 *
 * const clock = systemClock()
 * const db = new Level<string, unknown>('/tmp/telemetry-example', { valueEncoding: 'json' })
 * const store = await telemetryStore(telemetryConfigSchema.parse({}))({ db, clock })
 * const alerts = await alertManager()({ db, clock, random: systemRandom(), logger: consoleLogger() })
 * await alerts.setRule({ id: 'hot', kind: 'threshold', metric: 'cpu_percent', op: '>', threshold: 90 })
 * store.onSample(sample => { void alerts.observe(sample) })
 * await store.ingest({ deviceId: '12D3KooWExample', atMs: clock.nowMs(), seq: 1, metrics: { cpu_percent: 95 } })
 * console.log(await store.range({ deviceId: '12D3KooWExample', metric: 'cpu_percent', fromMs: 0, toMs: clock.nowMs() }))
 * const device = deviceTelemetry({ intervalMs: 10_000 })({
 *   clock, logger: consoleLogger(), collect: async () => { throw new Error('the agent\'s AgentMetrics.collect') }, outbox: { append: async () => ({}) as never }
 * })
 * device.start()
 * await device.stop()
 * await store.flush()
 * await db.close()
 * ```
 */
import { z } from 'zod'
import { AlertManager } from './alert-manager.js'
import { DeviceTelemetry } from './device-telemetry.js'
import { TelemetryStore } from './series-store.js'
import {
  MAINTENANCE_INTERVAL_MS_DEFAULT, RAW_RETENTION_MS_DEFAULT, ROLLUP_INTERVAL_MS_DEFAULT, ROLLUP_RETENTION_MS_DEFAULT,
  TELEMETRY_INTERVAL_MS_DEFAULT, TELEMETRY_INTERVAL_MS_MIN
} from './constants.js'
import type { DeviceMetrics } from '../../proto/index.js'
import type { ComponentLogger } from '../logging/index.js'
import type { ReportOutbox } from '../plans/index.js'
import type { Clock, Random } from '../ports/index.js'

export interface DeviceTelemetryInit {
  /** Sampling period. @default TELEMETRY_INTERVAL_MS_DEFAULT (10 s) */
  intervalMs?: number
}

export interface DeviceTelemetryComponents {
  clock: Clock
  logger: ComponentLogger
  /** One DeviceMetrics sample: `AgentMetrics.collect`. */
  collect(): Promise<DeviceMetrics>
  /** The telemetry outbox (its own, so telemetry never pushes deployment reports out). */
  outbox: Pick<ReportOutbox, 'append'>
}

export interface DeviceTelemetryStats { samples: number, failures: number, lastSampleMs?: number, lastError?: string }

export function deviceTelemetry (init: DeviceTelemetryInit = {}): (c: DeviceTelemetryComponents) => DeviceTelemetry {
  const intervalMs = init.intervalMs ?? TELEMETRY_INTERVAL_MS_DEFAULT
  if (!Number.isInteger(intervalMs) || intervalMs < TELEMETRY_INTERVAL_MS_MIN) throw new RangeError(`the telemetry interval must be an integer of at least ${TELEMETRY_INTERVAL_MS_MIN} ms, got ${intervalMs}`)
  return (c) => new DeviceTelemetry(c, { intervalMs })
}

/** Coordinator retention and downsampling, validated at the edge (`fleets server --telemetry-*`). */
export const telemetryConfigSchema = z.object({
  rawRetentionMs: z.number().int().min(60_000).default(RAW_RETENTION_MS_DEFAULT).describe('raw samples are kept this long (default 24 h)'),
  rollupRetentionMs: z.number().int().min(60_000).default(ROLLUP_RETENTION_MS_DEFAULT).describe('rollups are kept this long (default 30 d)'),
  rollupIntervalMs: z.number().int().min(1_000).max(3600_000).default(ROLLUP_INTERVAL_MS_DEFAULT).describe('rollup bucket width (default 1 min)'),
  maintenanceIntervalMs: z.number().int().min(1_000).default(MAINTENANCE_INTERVAL_MS_DEFAULT)
}).strict().refine(c => c.rollupRetentionMs >= c.rawRetentionMs, { message: 'rollupRetentionMs must be at least rawRetentionMs (rollups outlive raw samples)', path: ['rollupRetentionMs'] })
export type TelemetryStoreConfig = z.infer<typeof telemetryConfigSchema>

/** The narrow slice of a level (sub)database the telemetry store and alert manager use. */
export interface TelemetryDb {
  batch(ops: Array<{ type: 'put', key: string, value: unknown } | { type: 'del', key: string }>): Promise<void>
  iterator(options: { gte?: string, lt?: string, lte?: string, reverse?: boolean, limit?: number }): AsyncIterable<[string, unknown]>
  clear(options: { gte: string, lt: string }): Promise<void>
}

export interface TelemetryStoreComponents { db: TelemetryDb, clock: Pick<Clock, 'nowMs'> }

export interface Sample {
  deviceId: string
  /** Sampling time on the device's clock. */
  atMs: number
  /** The device's outbox seq: duplicates (a lost ack) are dropped by it. */
  seq: number
  metrics: Record<string, number>
}
export type LatestSample = Sample

export interface RangeQuery {
  deviceId: string
  metric: string
  fromMs: number
  toMs: number
  /** raw samples, rollups, or raw when the range is recent and short enough. @default 'auto' */
  resolution?: 'raw' | 'rollup' | 'auto'
  /** @default RANGE_POINTS_MAX */
  pointsMax?: number
}

/** A raw sample has `t, v`; a rollup point also `min, max, count` and `v` is the bucket's mean. */
export interface SeriesPoint { t: number, v: number, min?: number, max?: number, count?: number }
export interface RangeResult { deviceId: string, metric: string, resolution: 'raw' | 'rollup', stepMs: number, points: SeriesPoint[] }
export interface TelemetryStoreStats { samples: number, duplicates: number, batches: number, refused: number, devices: number }

export function telemetryStore (config: TelemetryStoreConfig): (c: TelemetryStoreComponents) => Promise<TelemetryStore> {
  return async (c) => await TelemetryStore.open(c, config)
}

export interface Alert {
  /** `<rule>-<n>`. */
  id: string
  ruleId: string
  deviceId: string
  metric: string
  severity: 'info' | 'warning' | 'critical'
  state: 'firing' | 'resolved'
  startsMs: number
  endsMs?: number
  /** Latest value seen while firing (the resolving value once resolved). */
  value: number
  reason: string
}

export interface AlertManagerComponents {
  db: TelemetryDb
  clock: Clock
  random: Random
  logger: ComponentLogger
  /** Where firing/resolved notifications are POSTed. @default none */
  webhookUrl?: string
}

export interface AlertManagerStats { evaluations: number, fired: number, resolved: number, notified: number, notifyFailures: number, notifyDropped: number }

export function alertManager (): (c: AlertManagerComponents) => Promise<AlertManager> {
  return async (c) => await AlertManager.open(c)
}

export { DeviceTelemetry } from './device-telemetry.js'
export { TelemetryStore } from './series-store.js'
export { AlertManager } from './alert-manager.js'
export { flattenDeviceMetrics, METRIC_NAME_PATTERN } from './flatten.js'
export type { MetricMap } from './flatten.js'
export { alertRuleSchema, evaluate, metricMatches, parseThresholdExpression } from './alert-rules.js'
export type { AlertRule, AlertRuleInput, Evaluation, RuleState } from './alert-rules.js'
export { renderPrometheus, PROMETHEUS_CONTENT_TYPE } from './prometheus.js'
export type { PromFamily, PromSample } from './prometheus.js'
export { TelemetryQueryError, AlertRuleError } from './errors.js'
export * from './constants.js'
export * from './alert-constants.js'
export { renderNodeExposition } from './node-exposition.js'
export type { NodeExpositionInput } from './node-exposition.js'
export { NodeMetricsServer } from './node-metrics-server.js'
