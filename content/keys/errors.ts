/**
 * Typed key errors (STYLE rule 6). Callers match on `name`, `code` and `reason`, never on
 * `message`; every message names the key or file and says what to do.
 */

/**
 * - `invalid-name`: the name is not 1–64 lowercase letters, digits, `_` or `-`;
 * - `exists`: a key of that name exists (keys are never overwritten);
 * - `not-found`: no key has that name or key id;
 * - `corrupt`: a file in the keys directory is not a readable FleetD key file;
 * - `full`: the directory holds KEY_FILES_MAX key files;
 * - `dir`: the keys directory cannot be created or read.
 */
export type KeyStoreErrorReason = 'invalid-name' | 'exists' | 'not-found' | 'corrupt' | 'full' | 'dir'

export class KeyStoreError extends Error {
  static readonly code = 'FLEET_ERR_KEY_STORE'
  readonly code = KeyStoreError.code
  constructor (message: string, readonly reason: KeyStoreErrorReason, options?: ErrorOptions) {
    super(message, options)
    this.name = 'KeyStoreError'
  }
}

/**
 * Why a key update was refused:
 * - `invalid`: it breaks the schema (message names the field);
 * - `untrusted-signer`: its signer is not a currently trusted key;
 * - `bad-signature`: the signature does not match (altered in transit or forged);
 * - `revoked`: it adds a key that was revoked (revocation is final: use a new key);
 * - `last-key`: it revokes the only trusted key, which would lock the node out of every update;
 * - `too-many-keys` / `too-many-revoked`: TRUSTED_KEYS_MAX / REVOKED_KEYS_MAX reached.
 */
export type KeyUpdateErrorReason = 'invalid' | 'untrusted-signer' | 'bad-signature' | 'revoked' | 'last-key' | 'too-many-keys' | 'too-many-revoked'

export class KeyUpdateError extends Error {
  static readonly code = 'FLEET_ERR_KEY_UPDATE_REFUSED'
  readonly code = KeyUpdateError.code
  constructor (message: string, readonly reason: KeyUpdateErrorReason, options?: ErrorOptions) {
    super(message, options)
    this.name = 'KeyUpdateError'
  }
}
