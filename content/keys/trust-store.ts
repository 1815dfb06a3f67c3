/** What a node trusts: the keys from its join token, changed later only by signed key updates. */
import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import { JoinTokenError, keyIdOf } from '../../node/fleet/index.js'
import { ED25519_PUBLIC_KEY_BYTES, TRUSTED_KEYS_MAX } from './constants.js'
import type { JoinTokenData } from '../../node/fleet/index.js'

/** A public key a node trusts, normalised: raw 32-byte Ed25519 key, key id checked against it. */
export interface TrustedKey {
  keyId: string
  publicKey: Uint8Array
  /** What the key is for, e.g. `coordinator`, `artifact`. */
  role?: string
}

/**
 * A node's trust state. Immutable: `applyKeyUpdate` returns a new one. `revokedKeyIds` is
 * remembered so that replaying an old "add" cannot bring a revoked key back.
 */
export interface TrustStore {
  readonly keys: readonly TrustedKey[]
  readonly revokedKeyIds: readonly string[]
}

/**
 * The trusted keys of a join token, normalised (the token may carry a raw key or its libp2p
 * protobuf encoding) and checked: every key must be Ed25519 and match its key id. Throws
 * `JoinTokenError`, since a token with a bad key is a bad token.
 */
export function trustedKeysFromToken (token: Pick<JoinTokenData, 'trustedKeys'>): TrustedKey[] {
  if (token.trustedKeys.length > TRUSTED_KEYS_MAX) {
    throw new JoinTokenError(`join token carries ${token.trustedKeys.length} trusted keys, more than ${TRUSTED_KEYS_MAX}; create a new token with fleets token create`)
  }
  const keys = new Map<string, TrustedKey>()
  for (const k of token.trustedKeys) {
    const raw = rawEd25519(k.keyId, k.publicKey)
    if (keyIdOf(raw) !== k.keyId) {
      throw new JoinTokenError(`join token's trusted key ${k.keyId} does not match its public key (key id ${keyIdOf(raw)}); the token was altered — create a new one with fleets token create`)
    }
    keys.set(k.keyId, { keyId: k.keyId, publicKey: raw, ...(k.role !== '' ? { role: k.role } : {}) })
  }
  return [...keys.values()]
}

/** A node's starting trust: the token's keys, nothing revoked yet. */
export function trustStoreFromToken (token: Pick<JoinTokenData, 'trustedKeys'>): TrustStore {
  return { keys: trustedKeysFromToken(token), revokedKeyIds: [] }
}

function rawEd25519 (keyId: string, bytes: Uint8Array): Uint8Array {
  if (bytes.length === ED25519_PUBLIC_KEY_BYTES) return new Uint8Array(bytes)
  try {
    const key = publicKeyFromProtobuf(bytes)
    if (key.type === 'Ed25519') return new Uint8Array(key.raw)
    throw new Error(`a ${key.type} key`)
  } catch (err) {
    throw new JoinTokenError(`join token's trusted key ${keyId} is not an Ed25519 public key (${(err as Error).message}); create a new token with fleets token create`, { cause: err })
  }
}
