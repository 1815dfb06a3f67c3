/** Errors of the local status API; messages say how to reach a running node. */
export class RpcUnavailableError extends Error {
  static readonly code = 'FLEET_ERR_NODE_NOT_RUNNING'
  readonly code = RpcUnavailableError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'RpcUnavailableError'
  }
}

export class RpcListenError extends Error {
  static readonly code = 'FLEET_ERR_RPC_LISTEN'
  readonly code = RpcListenError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'RpcListenError'
  }
}
