/** The API could not listen (port in use, address not available). */
export class ApiListenError extends Error {
  static readonly code = 'FLEET_ERR_API_LISTEN'
  readonly code = ApiListenError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ApiListenError'
  }
}
