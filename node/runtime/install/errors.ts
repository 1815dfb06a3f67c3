/**
 * Typed install errors (STYLE rule 6). Nothing is left half-installed when one is thrown: the
 * staging dir is removed and the version dir is untouched. Devices lacking a tool get the
 * shared `RuntimeUnavailableError` (../errors.ts) instead.
 */

/**
 * Why an install failed:
 * - `invalid-input`: the app name, version or type cannot be installed as given;
 * - `tool-failed`: tar, the package tool or Docker ran and refused (its output is quoted);
 * - `io`: the file could not be read or the apps dir written (permissions, full disk).
 */
export type InstallFailureReason = 'invalid-input' | 'tool-failed' | 'io'

export class InstallError extends Error {
  static readonly code = 'FLEET_ERR_INSTALL_FAILED'
  readonly code = InstallError.code
  constructor (message: string, readonly reason: InstallFailureReason, options?: ErrorOptions) {
    super(message, options)
    this.name = 'InstallError'
  }
}

/**
 * Why an archive was refused before anything was extracted, or after extraction before it
 * became a version: `unsafe-entry` (absolute or `..` path), `unsafe-link` (a symlink leading
 * out of the app dir), `too-many-entries`. `entry` names the offending member.
 */
export type ArchiveRefusal = 'unsafe-entry' | 'unsafe-link' | 'too-many-entries'

export class ArchiveRefusedError extends Error {
  static readonly code = 'FLEET_ERR_ARCHIVE_REFUSED'
  readonly code = ArchiveRefusedError.code
  constructor (message: string, readonly reason: ArchiveRefusal, readonly entry?: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ArchiveRefusedError'
  }
}

/** The archive's fleet-app.json is missing or invalid; `field` names what is wrong (`entrypoint[0]`). */
export class AppManifestError extends Error {
  static readonly code = 'FLEET_ERR_APP_MANIFEST_INVALID'
  readonly code = AppManifestError.code
  constructor (message: string, readonly field: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'AppManifestError'
  }
}
