/** Health-check defaults and limits, each with its reason (STYLE rule 8). */

/** Between probes: often enough to catch a dead app within seconds, cheap on a Pi Zero. */
export const HEALTH_INTERVAL_MS_DEFAULT = 2_000

/** One probe's time limit: a healthy local endpoint answers in milliseconds. */
export const HEALTH_TIMEOUT_MS_DEFAULT = 2_000

/** Consecutive failed probes before an app counts as unhealthy (one slow probe is not an outage). */
export const HEALTH_RETRIES_DEFAULT = 3

/** Failures during this time after a start do not count: apps need time to bind their port. */
export const HEALTH_START_PERIOD_MS_DEFAULT = 0

/** Bounds on user-given timings, so a typo cannot disable checking for a day. */
export const HEALTH_INTERVAL_MS_MAX = 3_600_000
export const HEALTH_TIMEOUT_MS_MAX = 120_000
export const HEALTH_RETRIES_MAX = 100

/** Output of an exec probe kept for the report: enough for an error line, not a log. */
export const EXEC_OUTPUT_BYTES_MAX = 2_048
