/**
 * Metrics errors (STYLE rule 6). Callers match on `name`/`code`, never on `message`. Custom
 * metrics errors cross the agent's loopback API, so they carry the HTTP status to answer with.
 */

/** A custom metrics push was refused: a malformed body, a bad name or a non-finite value. */
export class CustomMetricsInvalidError extends Error {
  static readonly code = 'FLEET_ERR_METRICS_INVALID'
  readonly code = CustomMetricsInvalidError.code
  readonly httpStatus: number

  constructor (message: string, httpStatus = 400) {
    super(message)
    this.name = 'CustomMetricsInvalidError'
    this.httpStatus = httpStatus
  }
}

/** A custom metrics push would pass a store limit (apps, names per app); nothing was recorded. */
export class CustomMetricsLimitError extends Error {
  static readonly code = 'FLEET_ERR_METRICS_LIMIT'
  readonly code = CustomMetricsLimitError.code
  readonly httpStatus = 429

  constructor (message: string) {
    super(message)
    this.name = 'CustomMetricsLimitError'
  }
}

/** System metrics cannot be read here: no /proc (not Linux) or an unreadable file. */
export class MetricsUnavailableError extends Error {
  static readonly code = 'FLEET_ERR_METRICS_UNAVAILABLE'
  readonly code = MetricsUnavailableError.code

  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'MetricsUnavailableError'
  }
}

export type CustomMetricsError = CustomMetricsInvalidError | CustomMetricsLimitError
