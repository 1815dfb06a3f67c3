/** Join-token errors: each says what is wrong with the token and how to get a good one. */
export class JoinTokenError extends Error {
  static readonly code = 'FLEET_ERR_BAD_TOKEN'
  readonly code = JoinTokenError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'JoinTokenError'
  }
}
