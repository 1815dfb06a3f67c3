/** Limits of alerting, with the reason for each. */

/** Alerts kept for `fleets alerts list` (firing ones are never dropped): weeks of a busy fleet's history, a few hundred KiB. */
export const ALERTS_KEPT_MAX = 1_000
/** Webhook notifications waiting; past it the oldest is dropped and counted (a dead receiver must not grow memory). */
export const WEBHOOK_QUEUE_MAX = 1_000
/** A receiver that has not answered in this long is retried. */
export const WEBHOOK_TIMEOUT_MS = 5_000
/** Attempts per notification. */
export const WEBHOOK_ATTEMPTS_MAX = 4
export const WEBHOOK_RETRY_BASE_MS = 500
export const WEBHOOK_RETRY_CAP_MS = 10_000
