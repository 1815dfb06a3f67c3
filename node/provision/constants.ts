/** Limits and defaults of provisioning, each with the reason for its value. */

/**
 * Bytes written to every target per step: 4 MiB, the erase block of most SD cards (and dd's
 * usual bs=4M), amortises syscalls while keeping memory bounded — one chunk in flight,
 * whatever the number of targets. (1 MiB measured ~2x slower to image files here.)
 */
export const CHUNK_BYTES = 4 * 1024 * 1024
/** Several cards on one USB hub share its bandwidth; more than this gains nothing and risks a flaky hub. */
export const TARGETS_MAX = 16
/** A progress event per target at most this often, so a terminal of 16 targets stays readable. */
export const PROGRESS_INTERVAL_MS = 1000
/** Checksum files are one line; anything bigger is not a checksum file. */
export const CHECKSUM_FILE_BYTES_MAX = 64 * 1024
/** Downloads that stall this long are aborted (a dead mirror must not hang a provisioning run). */
export const DOWNLOAD_IDLE_TIMEOUT_MS = 60_000
/** Boot-partition text files fleetp edits (dietpi.txt is ~20 KB); a bigger one is the wrong file. */
export const BOOT_FILE_BYTES_MAX = 1024 * 1024
/** The seed's rule: `fleetd-` + this many characters of the device id. */
export const PASSWORD_ID_CHARS = 8
/** Random bytes of a provisioned device id (hex-encoded: 32 characters). */
export const DEVICE_ID_BYTES = 16
/** WPA2 passphrases are 8-63 printable ASCII characters, or exactly 64 hex digits (the raw PSK). */
export const WIFI_PASS_CHARS_MIN = 8
export const WIFI_PASS_CHARS_MAX = 63
/** SSIDs are at most 32 bytes. */
export const WIFI_SSID_BYTES_MAX = 32

/** Where the default OS images come from (override with -image-url; checksums from `<url>.sha256`). */
export const DEFAULT_IMAGE_URLS = {
  dietpi: 'https://dietpi.com/downloads/images/DietPi_RPi234-ARMv8-Bookworm.img.xz',
  raspios: 'https://downloads.raspberrypi.com/raspios_lite_arm64_latest'
} as const

/** Users whose password fleetp sets on each OS. */
export const LOGIN_USERS = {
  dietpi: ['root', 'dietpi'],
  raspios: ['fleetd'],
  custom: [] as string[]
} as const

/**
 * Name prefix of fleetd's files on the boot partition (fleetd-config.json, fleetd-token...),
 * kept there until first boot moves them away. Files, not a folder: fatfs writes a bad '..'
 * entry into new directories (fsck.fat flags it), and a flat name needs no directory at all.
 */
export const BOOT_FLEETD_PREFIX = 'fleetd-'
/** On the device: where the config and token end up (root-only). */
export const DEVICE_STATE_DIR = '/var/lib/fleetd'
