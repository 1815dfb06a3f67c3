/**
 * Artifact manifests (DESIGN "Data model"): the zod schema that every manifest entering the
 * program passes (`parseManifest`, `manifestFromJson`), the canonical bytes signatures cover,
 * and Ed25519 signing and verification against a node's trusted keys.
 *
 * A signature covers `utf8(MANIFEST_SIGNING_DOMAIN) || canonicalManifestBytes(m)`: the
 * protobuf encoding of the manifest without signatures, which a verifier rebuilds from the
 * manifest it decoded (see canonical.ts for why protobuf).
 *
 * @example
 * ```ts
 * import { generateKeyPair } from '@libp2p/crypto/keys'
 * import { keyIdOf } from '../../node/fleet/index.js'
 * import { decodeManifest, encodeManifest, manifestToJson, parseManifest, signManifest, verifyManifest } from './index.js'
 *
 * const key = await generateKeyPair('Ed25519')
 * const manifest = parseManifest({
 *   name: 'sensor-agent', version: '1.4.2', platforms: ['linux/arm64', 'linux/armv7'], type: 'binary',
 *   size: 1_048_576, sha256: new Uint8Array(32), cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
 *   createdMs: 1_700_000_000_000, signatures: []
 * })
 * const signed = await signManifest(manifest, key)
 * const received = decodeManifest(encodeManifest(signed))
 * const trusted = [{ keyId: keyIdOf(key.publicKey.raw), publicKey: key.publicKey.raw, role: 'artifact' }]
 * console.log((await verifyManifest(received, trusted)).keyIds) // [ the key's id ]
 * console.log(JSON.stringify(manifestToJson(received)))
 * ```
 */
export { parseManifest, parseManifestRef, manifestFromJson, manifestToJson, manifestRef } from './parse.js'
export { canonicalManifestBytes, decodeManifest, encodeManifest, manifestSigningBytes } from './canonical.js'
export { signManifest } from './sign.js'
export { verifyManifest } from './verify.js'
export type { ManifestVerification, VerifyManifestOptions } from './verify.js'
export { ARTIFACT_TYPES } from './schema.js'
export type { ArtifactType, Manifest, ManifestJson, ManifestSignature } from './schema.js'
export {
  CID_LENGTH_MAX, MANIFEST_SIGNING_DOMAIN, MCU_FAMILIES, NAME_LENGTH_MAX, PLATFORM_LENGTH_MAX, PLATFORMS_MAX,
  SIGNATURES_MAX, VERSION_LENGTH_MAX
} from './constants.js'
export { ManifestError, ManifestSignatureError, ManifestSigningError } from './errors.js'
export type { ManifestIssue, ManifestSignatureReason, ManifestSigningReason } from './errors.js'
