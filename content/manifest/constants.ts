/**
 * Limits of an artifact manifest, each with the reason for its value (STYLE rule 8). They are
 * at most the wire limits in proto/constants.ts (a test checks it), so every valid manifest
 * can be encoded, gossiped inside a plan and decoded by every node.
 */

/** Artifact names: long enough for any deb/rpm/apk/OCI package name in practice, short enough for a table column. */
export const NAME_LENGTH_MAX = 100

/** Versions: semver with a pre-release and build part fits easily (`1.2.3-rc.1+git.abcdef0`). */
export const VERSION_LENGTH_MAX = 64

/** Platforms per artifact: a multi-arch image lists a handful; 16 leaves room without unbounded lists. Wire limit: 32. */
export const PLATFORMS_MAX = 16

/** One platform string: `os/arch/variant` or an MCU part number is well under this. */
export const PLATFORM_LENGTH_MAX = 64

/** Signatures per manifest: a signer or two plus keys in rotation. Wire limit: 16. */
export const SIGNATURES_MAX = 8

/** A CIDv1 of a sha2-512 digest in base32 is about 113 characters; 128 bounds any real root CID. */
export const CID_LENGTH_MAX = 128

/** SHA-256 digest length. */
export const SHA256_BYTES = 32

/** Ed25519 signature length. */
export const SIGNATURE_BYTES = 64

/** Key ids: first 8 bytes of SHA-256 of the raw public key, as hex (node/fleet keyIdOf). */
export const KEY_ID_PATTERN = /^[0-9a-f]{16}$/

/**
 * Bare platform names of microcontroller families the gateway can flash; a part number may
 * follow (`esp32s3`, `stm32f411`). Anything else must be `os/arch`.
 */
export const MCU_FAMILIES = ['esp32', 'esp8266', 'stm32', 'nrf52', 'nrf53', 'rp2040', 'rp2350', 'lora'] as const

/**
 * Prefix of the bytes a manifest signature covers. A signature by a fleet key over
 * `prefix || canonical bytes` cannot be replayed as a signature over a plan, a key update or
 * anything else the same key signs, because those use other prefixes.
 */
export const MANIFEST_SIGNING_DOMAIN = 'fleetd/artifact-manifest/v1\n'

/** Problems listed in a ManifestError's message; all of them are in `issues`. */
export const ISSUES_IN_MESSAGE_MAX = 3
