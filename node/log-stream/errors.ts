/**
 * Typed errors of app log streams (STYLE rule 6). The device sends the code and message in
 * its refusal frame; the coordinator raises the same class, so the API and the CLI keep them.
 */

/** The device refused the request: not signed by a coordinator key it trusts, for another device or peer, or expired. */
export class LogsRefusedError extends Error {
  static readonly code = 'FLEET_ERR_LOGS_REFUSED'
  readonly code = LogsRefusedError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'LogsRefusedError'
  }
}

/** The device has no app (and no log file) of that name. */
export class LogsUnknownAppError extends Error {
  static readonly code = 'FLEET_ERR_LOGS_UNKNOWN_APP'
  readonly code = LogsUnknownAppError.code
  constructor (message: string, readonly apps: readonly string[] = [], options?: ErrorOptions) {
    super(message, options)
    this.name = 'LogsUnknownAppError'
  }
}

/** The device could not be reached on the mesh, or its stream broke before it answered. */
export class LogsUnreachableError extends Error {
  static readonly code = 'FLEET_ERR_LOGS_UNREACHABLE'
  readonly code = LogsUnreachableError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'LogsUnreachableError'
  }
}
