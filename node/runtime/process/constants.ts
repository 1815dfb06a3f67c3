/** Supervision limits, each with its reason (STYLE rule 8). */

/** First restart delay: quick enough that a one-off crash is barely noticed. */
export const RESTART_BACKOFF_MS_BASE = 500

/** Restart delay cap: a broken app retries every 30 s, not every few ms, and never waits for hours. */
export const RESTART_BACKOFF_MS_MAX = 30_000

/** A run this long resets the backoff: the app was working, the next crash is a new incident. */
export const RUN_RESET_BACKOFF_MS = 10_000

/** Exits within CRASH_LOOP_WINDOW_MS that make a crash loop (reported as `crash_loop` with the count). */
export const CRASH_LOOP_EXITS = 5
export const CRASH_LOOP_WINDOW_MS = 60_000

/** Exit history kept per process: enough for the crash-loop window. */
export const EXIT_HISTORY_MAX = 32

/** Time between SIGTERM and SIGKILL when stopping. */
export const STOP_TIMEOUT_MS_DEFAULT = 10_000

/** How often an adopted process (started by an earlier agent) is checked for life. */
export const ADOPTED_POLL_MS = 500
