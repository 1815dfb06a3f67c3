import { createHash } from 'node:crypto'
import { decodeJoinToken, encodeJoinToken, WIRE_VERSION } from '../../proto/index.js'
import { JoinTokenError } from './errors.js'
import { NETWORK_KEY_LENGTH } from './fleet-secrets.js'

/** Printed form: a readable prefix, then base64url of the protobuf and a 4-byte checksum. */
export const TOKEN_PREFIX = 'fleetd1_'
const CHECKSUM_LENGTH = 4

export interface TrustedKey { keyId: string, publicKey: Uint8Array, role: string }

/** What a node learns from its join token. The network key makes the token a secret. */
export interface JoinTokenData {
  fleetId: string
  networkKey: Uint8Array
  trustedKeys: TrustedKey[]
  createdMs: number
  bootstrap: string[]
}

function checksum (bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest().subarray(0, CHECKSUM_LENGTH)
}

export function formatJoinToken (data: JoinTokenData): string {
  const body = encodeJoinToken({ version: WIRE_VERSION, ...data })
  return TOKEN_PREFIX + Buffer.concat([body, checksum(body)]).toString('base64url')
}

/**
 * Parses a printed token. Every failure says what is wrong, because a token usually travels
 * by copy and paste, and a truncated one must not look like "another fleet".
 */
export function parseJoinToken (text: string): JoinTokenData {
  const token = text.trim()
  if (!token.startsWith(TOKEN_PREFIX)) {
    throw new JoinTokenError(`join token must start with '${TOKEN_PREFIX}'; copy the whole string printed by 'fleets token create'`)
  }
  const raw = Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url')
  if (raw.length <= CHECKSUM_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token.slice(TOKEN_PREFIX.length))) {
    throw new JoinTokenError('join token is not valid base64url; it was probably cut or wrapped when copied')
  }
  const body = raw.subarray(0, raw.length - CHECKSUM_LENGTH)
  if (Buffer.compare(checksum(body), raw.subarray(raw.length - CHECKSUM_LENGTH)) !== 0) {
    throw new JoinTokenError('join token checksum does not match; it was truncated or mistyped — copy it again from fleets token create')
  }
  let decoded
  try {
    decoded = decodeJoinToken(body)
  } catch (err) {
    throw new JoinTokenError(`join token cannot be decoded: ${(err as Error).message}`, { cause: err })
  }
  if (decoded.version !== WIRE_VERSION) {
    throw new JoinTokenError(`join token has version ${decoded.version}, this fleet-node understands ${WIRE_VERSION}; upgrade fleet-node or create a token with a matching fleets`)
  }
  if (decoded.fleetId === '') throw new JoinTokenError('join token has no fleet id')
  if (decoded.networkKey.length !== NETWORK_KEY_LENGTH) {
    throw new JoinTokenError(`join token's network key has ${decoded.networkKey.length} bytes, expected ${NETWORK_KEY_LENGTH}`)
  }
  return {
    fleetId: decoded.fleetId,
    // Copies: decoded bytes are views into the token buffer.
    networkKey: new Uint8Array(decoded.networkKey),
    trustedKeys: decoded.trustedKeys.map(k => ({ keyId: k.keyId, publicKey: new Uint8Array(k.publicKey), role: k.role })),
    createdMs: Number(decoded.createdMs),
    bootstrap: decoded.bootstrap
  }
}
