/** Serial link errors (STYLE rule 6). */

/** The serial port could not be opened, configured or written; the message names the port. */
export class SerialLinkError extends Error {
  static readonly code = 'FLEET_ERR_SERIAL_LINK'
  readonly code = SerialLinkError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SerialLinkError'
  }
}
