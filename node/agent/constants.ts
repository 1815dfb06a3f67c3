/** Agent limits and defaults, each with its reason (STYLE rule 8). */

/** Steps per reconcile round: a round is one update of one app at most, so this is never reached legitimately. */
export const ROUND_STEPS_MAX = 32

/** Between rounds when nothing changes: catches a process that died or a penalty that expired. */
export const RECONCILE_INTERVAL_MS = 1_000

/** Versions of an app kept installed besides the active one: the previous, for an instant local rollback. */
export const INSTALLED_PREVIOUS_KEPT = 1

/** First retry of a failed version after this long, doubling per failure. */
export const RETRY_BACKOFF_MS_BASE = 5_000
export const RETRY_BACKOFF_MS_MAX = 300_000

/** Penalty box: after this many failed attempts of one version… */
export const PENALTY_ATTEMPTS = 3
/** …or this many within PENALTY_BURST_WINDOW_MS, the version is not retried for the penalty time. */
export const PENALTY_BURST_ATTEMPTS = 5
export const PENALTY_BURST_WINDOW_MS = 180_000
/** Penalty time: long enough for an operator to notice the report, short enough to retry after a fix elsewhere. @default 30 min */
export const PENALTY_MS_DEFAULT = 1_800_000

/** Attempts remembered per version. */
export const ATTEMPTS_KEPT_MAX = 16

/** Apps per device: a Pi runs a handful; the bound keeps state files and rounds small. */
export const APPS_MAX = 64

/** Events kept in memory for status and reports. */
export const EVENTS_KEPT_MAX = 200

/** On stop, how long a step in progress may finish before it is abandoned (steps are crash-safe). */
export const STOP_WAIT_MS = 2_000
