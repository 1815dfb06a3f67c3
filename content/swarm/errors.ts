/** Swarm errors; each names the block or artifact and what went wrong. */
export class BlockIntegrityError extends Error {
  static readonly code = 'FLEET_ERR_BLOCK_INTEGRITY'
  readonly code = BlockIntegrityError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'BlockIntegrityError'
  }
}

export class SwarmFetchError extends Error {
  static readonly code = 'FLEET_ERR_SWARM_FETCH'
  readonly code = SwarmFetchError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SwarmFetchError'
  }
}
