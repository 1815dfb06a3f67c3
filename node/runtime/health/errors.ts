/** Health-check errors. */
export class HealthCheckFailedError extends Error {
  static readonly code = 'FLEET_ERR_HEALTH_CHECK_FAILED'
  readonly code = HealthCheckFailedError.code
  constructor (message: string, readonly detail: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'HealthCheckFailedError'
  }
}
