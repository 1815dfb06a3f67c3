import { ok as assert } from 'node:assert'
import { keyIdOf } from '../../node/fleet/index.js'
import { SIGNATURES_MAX } from './constants.js'
import { manifestSigningBytes } from './canonical.js'
import { ManifestSigningError } from './errors.js'
import { manifestRef, parseManifest } from './parse.js'
import type { Manifest } from './schema.js'
import type { PrivateKey } from '@libp2p/interface'

/**
 * Returns a copy of the manifest with an Ed25519 signature by `privateKey` appended (key id:
 * keyIdOf of its raw public key). Validates the manifest first; refuses a key that already
 * signed it and a manifest that has SIGNATURES_MAX signatures.
 */
export async function signManifest (manifest: Manifest, privateKey: PrivateKey): Promise<Manifest> {
  const m = parseManifest(manifest)
  if (privateKey.type !== 'Ed25519') {
    throw new ManifestSigningError(`cannot sign manifest ${manifestRef(m)} with a ${privateKey.type} key; manifests are signed with Ed25519 keys (fleets keys generate)`, 'unsupported-key')
  }
  const keyId = keyIdOf(privateKey.publicKey.raw)
  if (m.signatures.some(s => s.keyId === keyId)) {
    throw new ManifestSigningError(`manifest ${manifestRef(m)} is already signed by key ${keyId}; a second signature by the same key adds nothing — sign with another key if more are needed`, 'already-signed')
  }
  if (m.signatures.length >= SIGNATURES_MAX) {
    throw new ManifestSigningError(`manifest ${manifestRef(m)} already has ${SIGNATURES_MAX} signatures, the most it may carry; remove signatures by keys that are no longer trusted`, 'signatures-full')
  }
  const bytes = manifestSigningBytes(m)
  const signature = new Uint8Array(await privateKey.sign(bytes))
  // Paired check (STYLE rule 7): a signer must never hand out a signature nobody can verify.
  assert(await privateKey.publicKey.verify(bytes, signature), `Ed25519 signature by ${keyId} does not verify with its own public key`)
  return { ...m, signatures: [...m.signatures, { keyId, signature }] }
}
