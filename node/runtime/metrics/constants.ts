/** Limits and defaults of metrics collection, each with the reason for its value (STYLE rule 8). */
import { METRICS_CUSTOM_MAX } from '../../../proto/index.js'

/**
 * Apps that may push custom metrics at once. With CUSTOM_NAMES_PER_APP_MAX their product is
 * the wire's METRICS_CUSTOM_MAX, so a full store always fits in one DeviceMetrics message.
 */
export const CUSTOM_APPS_MAX = 16

/** Metric names per app: enough for an app's counters and gauges, not a time-series dump. */
export const CUSTOM_NAMES_PER_APP_MAX = Math.floor(METRICS_CUSTOM_MAX / CUSTOM_APPS_MAX)

/** One push body: 64 names with labels-free Prometheus lines is ~4 KiB; 64 KiB leaves room for comments. */
export const CUSTOM_BODY_BYTES_MAX = 64 * 1024

/** Prometheus' own names are rarely over 60 characters; the bound keeps the message small. */
export const CUSTOM_NAME_LENGTH_MAX = 128

/** Prometheus metric names: `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
export const CUSTOM_NAME_PATTERN = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/

/** App names as they appear in keys (`app/name`): the runtime's app names, no `/`. */
export const APP_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/

/** Separates app and metric name in DeviceMetrics.custom_metrics keys; never valid in either. */
export const CUSTOM_KEY_SEPARATOR = '/'

/** Where the clock-tick rate is asked when `getconf` is missing: USER_HZ is 100 on every Linux port. */
export const CLOCK_TICKS_PER_S_DEFAULT = 100

/** Page size when `getconf PAGESIZE` is missing: 4 KiB on x86 and most arm64 kernels. */
export const PAGE_BYTES_DEFAULT = 4096

/** getconf answers at once; a slower answer means a hung system, and the default is right anyway. */
export const GETCONF_TIMEOUT_MS = 2_000

/** Disk usage is measured on the filesystem holding this path unless told otherwise. */
export const DISK_PATH_DEFAULT = '/'
