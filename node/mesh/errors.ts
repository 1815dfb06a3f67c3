/**
 * Typed mesh errors (STYLE rule 6). `code` is stable and documented in docs/errors.md;
 * callers match on `code`, never on `message`.
 */
export class FleetMembershipError extends Error {
  static readonly code = 'FLEET_ERR_NOT_A_MEMBER'
  readonly code = FleetMembershipError.code
  constructor (message: string, readonly reason: RefusalReason, options?: ErrorOptions) {
    super(message, options)
    this.name = 'FleetMembershipError'
  }
}

export class MeshConfigError extends Error {
  static readonly code = 'FLEET_ERR_MESH_CONFIG'
  readonly code = MeshConfigError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'MeshConfigError'
  }
}

export class ListenError extends Error {
  static readonly code = 'FLEET_ERR_LISTEN'
  readonly code = ListenError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ListenError'
  }
}

/** Why a connection was refused before any libp2p protocol ran. */
export type RefusalReason =
  | 'network-key-mismatch' // the peer holds another fleet's network key (or an outdated token)
  | 'fleet-id-mismatch' //    same network key, different fleet id: a token was edited by hand
  | 'peer-has-no-token' //    the peer joined without a token
  | 'local-has-no-token' //   this node has no token and the peer is in a fleet
  | 'handshake-failed' //     the peer closed or timed out during the membership handshake
