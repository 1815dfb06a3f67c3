/**
 * Typed discovery errors (STYLE rule 6). `code` is stable and listed in README's Error codes;
 * callers match on `code`, never on `message`.
 */
export class DiscoverySocketError extends Error {
  static readonly code = 'FLEET_ERR_DISCOVERY_SOCKET'
  readonly code = DiscoverySocketError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'DiscoverySocketError'
  }
}
