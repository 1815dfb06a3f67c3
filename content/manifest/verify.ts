import { ok as assert } from 'node:assert'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { keyIdOf } from '../../node/fleet/index.js'
import { SIGNATURES_MAX } from './constants.js'
import { manifestSigningBytes } from './canonical.js'
import { ManifestSignatureError } from './errors.js'
import { manifestRef, parseManifest } from './parse.js'
import type { Manifest } from './schema.js'
import type { TrustedKey } from '../keys/index.js'
import type { PublicKey } from '@libp2p/interface'

export interface VerifyManifestOptions {
  /** Distinct trusted keys whose signatures must verify. @default 1 */
  signaturesMin?: number
}

export interface ManifestVerification {
  ok: true
  /** Trusted keys whose signatures verified, in signature order. */
  keyIds: string[]
  /** Signers this node does not trust; their signatures were not checked. */
  unknownKeyIds: string[]
}

const ED25519_PUBLIC_KEY_BYTES = 32
const HOW_TO_TRUST = 'add the key to the fleet\'s trusted keys (a key update signed by a trusted key; fleets keys export prints a public key) or sign with a trusted key'

/**
 * Checks the manifest's signatures against `trusted` keys. Signatures by keys not in `trusted`
 * are skipped, not fatal, as long as `signaturesMin` trusted keys verify; a signature by a
 * trusted key that does not verify is always fatal, since it means tampering. Throws
 * `ManifestError` for an invalid manifest and `ManifestSignatureError` (with a `reason`)
 * when it does not verify.
 */
export async function verifyManifest (manifest: Manifest, trusted: readonly TrustedKey[], options: VerifyManifestOptions = {}): Promise<ManifestVerification> {
  const signaturesMin = options.signaturesMin ?? 1
  assert(Number.isInteger(signaturesMin) && signaturesMin >= 1 && signaturesMin <= SIGNATURES_MAX, `signaturesMin must be an integer from 1 to ${SIGNATURES_MAX}, got ${signaturesMin}`)
  const m = parseManifest(manifest)
  const ref = manifestRef(m)
  if (m.signatures.length === 0) {
    throw new ManifestSignatureError(`manifest ${ref} is unsigned; sign it with a key the fleet trusts before deploying it`, 'unsigned')
  }
  const keys = trustedByKeyId(trusted)
  const bytes = manifestSigningBytes(m)
  const keyIds: string[] = []
  const unknownKeyIds: string[] = []
  for (const { keyId, signature } of m.signatures) {
    const key = keys.get(keyId)
    if (key == null) {
      unknownKeyIds.push(keyId)
      continue
    }
    if (!await key.verify(bytes, signature)) {
      throw new ManifestSignatureError(`signature by trusted key ${keyId} does not match manifest ${ref}: the manifest or its signature was altered after signing; do not install it, fetch it again from its publisher`, 'bad-signature', [keyId])
    }
    keyIds.push(keyId)
  }
  if (keyIds.length >= signaturesMin) return { ok: true, keyIds, unknownKeyIds }
  if (keyIds.length === 0) {
    throw new ManifestSignatureError(`manifest ${ref} has no signature by a trusted key: signed by ${unknownKeyIds.join(', ')}, which this node does not trust; ${HOW_TO_TRUST}`, 'unknown-key', unknownKeyIds)
  }
  const unknown = unknownKeyIds.length > 0 ? ` (also signed by untrusted ${unknownKeyIds.join(', ')})` : ''
  throw new ManifestSignatureError(`manifest ${ref} is signed by ${keyIds.length} trusted key(s) (${keyIds.join(', ')}), ${signaturesMin} required${unknown}; sign it with ${signaturesMin - keyIds.length} more trusted key(s)`, 'too-few-signatures', keyIds)
}

/** Trusted keys come from trustedKeysFromToken / applyKeyUpdate, which check them: a bad one here is a bug. */
function trustedByKeyId (trusted: readonly TrustedKey[]): Map<string, PublicKey> {
  const keys = new Map<string, PublicKey>()
  for (const t of trusted) {
    assert(t.publicKey.length === ED25519_PUBLIC_KEY_BYTES, `trusted key ${t.keyId} is not a raw Ed25519 public key (${t.publicKey.length} bytes)`)
    assert(keyIdOf(t.publicKey) === t.keyId, `trusted key ${t.keyId} does not match its public key (key id ${keyIdOf(t.publicKey)})`)
    keys.set(t.keyId, publicKeyFromRaw(t.publicKey))
  }
  return keys
}
