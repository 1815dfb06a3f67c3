/** Limits and fixed names of key storage and trust, each with the reason for its value (STYLE rule 8). */
import { TOKEN_TRUSTED_KEYS_MAX } from '../../proto/index.js'

/** Key names become file names: no `/`, no leading `.` or `-`, short enough to type. */
export const KEY_NAME_LENGTH_MAX = 64
export const KEY_NAME_PATTERN = new RegExp(`^[a-z0-9][a-z0-9_-]{0,${KEY_NAME_LENGTH_MAX - 1}}$`)

/** Key ids: first 8 bytes of SHA-256 of the raw public key, as hex (node/fleet keyIdOf). */
export const KEY_ID_PATTERN = /^[0-9a-f]{16}$/

export const KEY_FILE_SUFFIX = '.key'

/** A key file is ~250 bytes of JSON; anything much larger is not one, and is not read whole. */
export const KEY_FILE_BYTES_MAX = 4096

/** Key files one directory may hold: an administrator has a handful; listing stays one quick pass. */
export const KEY_FILES_MAX = 1024

/** Trusted keys of a node: the same as a join token may carry, so a node's trust fits in a token. */
export const TRUSTED_KEYS_MAX = TOKEN_TRUSTED_KEYS_MAX

/**
 * Revoked key ids a node remembers, so an old "add" update cannot bring a revoked key back.
 * Years of rotation at one revocation a week; past it, issue a new fleet token.
 */
export const REVOKED_KEYS_MAX = 256

/** Roles say what a key is for (`coordinator`, `artifact`); short lowercase words. */
export const ROLE_PATTERN = /^[a-z][a-z0-9-]{0,31}$/

export const ED25519_PUBLIC_KEY_BYTES = 32
export const ED25519_SIGNATURE_BYTES = 64

/** Prefix of the bytes a key update signature covers; see MANIFEST_SIGNING_DOMAIN for why. */
export const KEY_UPDATE_SIGNING_DOMAIN = 'fleetd/key-update/v1\n'

/** Directory of admin keys as root; `~/.fleetd-admin/keys` otherwise. */
export const SYSTEM_KEYS_DIR = '/var/lib/fleetd-admin/keys'
