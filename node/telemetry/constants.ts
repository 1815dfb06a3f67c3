/** Limits and defaults of telemetry; each with the reason for its value. */

/** Device side: one sample per this period by default; 10 s shows a rollout's effect within a phase without filling the outbox. */
export const TELEMETRY_INTERVAL_MS_DEFAULT = 10_000
/** Below this a device spends more on sampling /proc and writing its outbox than the figures are worth. */
export const TELEMETRY_INTERVAL_MS_MIN = 1_000

/** The step a telemetry report carries: deployment reports never use it, so the coordinator tells them apart. */
export const TELEMETRY_STEP = 'telemetry'

/**
 * The telemetry outbox is its own database under `<storage>/telemetry`: in a long partition
 * telemetry fills it and drops its oldest samples, never a deployment report.
 * 8,640 entries are a day at the default period.
 */
export const TELEMETRY_OUTBOX_ENTRIES_MAX = 8_640
/** About 1 KiB a sample: 16 MiB on disk at most. */
export const TELEMETRY_OUTBOX_BYTES_MAX = 16 * 1024 * 1024

/** Coordinator side. Raw samples are kept a day: enough to compare a rollout with the day before. */
export const RAW_RETENTION_MS_DEFAULT = 24 * 3600_000
/** Rollups are kept 30 days: a month of trends at 1/6 of the raw size per day. */
export const ROLLUP_RETENTION_MS_DEFAULT = 30 * 24 * 3600_000
/** Rollup bucket width. */
export const ROLLUP_INTERVAL_MS_DEFAULT = 60_000
/** Retention sweep and rollup flush period. */
export const MAINTENANCE_INTERVAL_MS_DEFAULT = 60_000

/** Points one range query returns at most: a chart needs a few hundred; this bounds the reply. */
export const RANGE_POINTS_MAX = 10_000
/** Writes grouped into one store batch at most (group commit under load). */
export const INGEST_BATCH_OPS_MAX = 4_096
/** Devices whose latest sample and open rollup are kept in memory; past it new devices are refused (the registry's bound is the same order). */
export const TELEMETRY_DEVICES_MAX = 100_000
/** A sample dated further ahead than this (device clock skew) is taken as received now. */
export const CLOCK_SKEW_MS_MAX = 60_000

/** Metrics per sample: the report's map bound (REPORT_METRICS_MAX). */
export { REPORT_METRICS_MAX as SAMPLE_METRICS_MAX } from '../../proto/index.js'
