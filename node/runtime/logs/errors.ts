/** Typed errors of app logs (STYLE rule 6): each names the file and says what to do. */

/** A log file cannot be opened or created (permissions, missing or full disk). */
export class LogFileError extends Error {
  static readonly code = 'FLEET_ERR_LOG_FILE'
  readonly code = LogFileError.code
  constructor (message: string, readonly path: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'LogFileError'
  }
}

/** A tail or follow request is out of range (e.g. more lines than TAIL_LINES_MAX). */
export class LogRequestError extends Error {
  static readonly code = 'FLEET_ERR_LOG_REQUEST'
  readonly code = LogRequestError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'LogRequestError'
  }
}
