/** A node config file that cannot be read or does not match the schema; the message names the file and the field. */
export class NodeConfigError extends Error {
  static readonly code = 'FLEET_ERR_NODE_CONFIG'
  readonly code = NodeConfigError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'NodeConfigError'
  }
}
