/**
 * The bytes manifest signatures cover.
 *
 * Canonical bytes are the protobuf encoding (proto/plan.proto `ArtifactManifest`) of the
 * manifest with `signatures: []`, platforms in the order given. Why protobuf and not JSON: a
 * node receives a manifest as protobuf (inside a plan or on its own), decodes it, and to check
 * a signature it must rebuild the exact bytes that were signed. protons writes fields in field
 * number order, repeated fields in element order and omits nothing that the schema requires
 * (every required field here is non-default or, like size 0, encodes the same when absent),
 * so equal manifests always re-encode to equal bytes. JSON has no such rule (key order,
 * whitespace, number forms, escapes), and an MCU gateway can encode protobuf too.
 * Signatures are left out so that adding a signature does not change what others signed.
 *
 * A decoder drops fields it does not know, so a new manifest field must reach every verifier
 * before any signer sets it (see plan.proto).
 */
import { decodeArtifactManifest, encodeArtifactManifest } from '../../proto/index.js'
import { MANIFEST_SIGNING_DOMAIN } from './constants.js'
import { manifestError } from './issues.js'
import { parseManifest } from './parse.js'
import type { Manifest } from './schema.js'

const DOMAIN_BYTES = new TextEncoder().encode(MANIFEST_SIGNING_DOMAIN)

/** Deterministic protobuf bytes of the manifest without its signatures. Validates first. */
export function canonicalManifestBytes (manifest: Manifest): Uint8Array<ArrayBuffer> {
  const m = parseManifest(manifest)
  return encodeArtifactManifest({ ...m, signatures: [] })
}

/** What an Ed25519 manifest signature signs: `utf8(MANIFEST_SIGNING_DOMAIN) || canonicalManifestBytes(m)`. */
export function manifestSigningBytes (manifest: Manifest): Uint8Array<ArrayBuffer> {
  const canonical = canonicalManifestBytes(manifest)
  const out = new Uint8Array(DOMAIN_BYTES.length + canonical.length)
  out.set(DOMAIN_BYTES, 0)
  out.set(canonical, DOMAIN_BYTES.length)
  return out
}

/** The wire form with signatures, as announced or put in a plan. Validates first. */
export function encodeManifest (manifest: Manifest): Uint8Array<ArrayBuffer> {
  return encodeArtifactManifest(parseManifest(manifest))
}

/**
 * Decodes wire bytes (bounded, proto/index.ts) and validates the result; the manifest shares
 * no buffer with `bytes`. Undecodable bytes are a `ManifestError` with the wire error as cause.
 */
export function decodeManifest (bytes: Uint8Array): Manifest {
  let decoded
  try {
    decoded = decodeArtifactManifest(bytes)
  } catch (err) {
    throw manifestError([{ path: 'manifest', message: `cannot be decoded: ${(err as Error).message}` }], { cause: err })
  }
  return parseManifest(decoded)
}
