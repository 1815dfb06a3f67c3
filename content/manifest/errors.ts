/**
 * Typed manifest errors (STYLE rule 6). Callers match on `name`, `code` and `reason`, never
 * on `message`; every message says what was wrong and what to do.
 */

/** One problem of an invalid manifest: where (`manifest.platforms[1]`) and what. */
export interface ManifestIssue {
  path: string
  message: string
}

/** A manifest breaks the schema; `issues` lists every problem, the message the first few. */
export class ManifestError extends Error {
  static readonly code = 'FLEET_ERR_MANIFEST_INVALID'
  readonly code = ManifestError.code
  readonly issues: ManifestIssue[]
  constructor (message: string, issues: ManifestIssue[], options?: ErrorOptions) {
    super(message, options)
    this.name = 'ManifestError'
    this.issues = issues
  }
}

/**
 * Why a manifest did not verify:
 * - `unsigned`: it has no signature at all;
 * - `unknown-key`: no signature is by a trusted key;
 * - `bad-signature`: a trusted key's signature does not match (the manifest or signature was altered);
 * - `too-few-signatures`: fewer trusted keys signed it than `signaturesMin`.
 */
export type ManifestSignatureReason = 'unsigned' | 'unknown-key' | 'bad-signature' | 'too-few-signatures'

/** A manifest failed verification: never install its artifact. `keyIds` are the keys concerned. */
export class ManifestSignatureError extends Error {
  static readonly code = 'FLEET_ERR_MANIFEST_SIGNATURE'
  readonly code = ManifestSignatureError.code
  constructor (message: string, readonly reason: ManifestSignatureReason, readonly keyIds: string[] = [], options?: ErrorOptions) {
    super(message, options)
    this.name = 'ManifestSignatureError'
  }
}

/**
 * Why signing was refused: `already-signed` (this key signed it before), `signatures-full`
 * (SIGNATURES_MAX reached), `unsupported-key` (manifests are signed with Ed25519 only).
 */
export type ManifestSigningReason = 'already-signed' | 'signatures-full' | 'unsupported-key'

export class ManifestSigningError extends Error {
  static readonly code = 'FLEET_ERR_MANIFEST_SIGNING'
  readonly code = ManifestSigningError.code
  constructor (message: string, readonly reason: ManifestSigningReason, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ManifestSigningError'
  }
}
