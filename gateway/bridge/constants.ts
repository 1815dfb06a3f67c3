/**
 * Bridge protocol limits and numbers (firmware-bridge/PROTOCOL.md). The C side has the same
 * values in firmware-bridge/src/protocol.h; the end-to-end test fails if the two drift.
 */

export const PROTOCOL_VERSION = 1

/** Largest payload of any frame: an OTA_DATA header (4) plus the largest chunk (1024) plus slack for growth. */
export const PAYLOAD_MAX = 1032
/** type + seq + payload + crc32. */
export const FRAME_DECODED_MAX = 2 + PAYLOAD_MAX + 4
/** COBS adds one byte per 254 plus one; the delimiter is one more. */
export const FRAME_ENCODED_MAX = FRAME_DECODED_MAX + Math.ceil(FRAME_DECODED_MAX / 254) + 2
/** Largest OTA_DATA chunk; the device may advertise less in INFO. */
export const CHUNK_MAX = 1024

export const MsgType = {
  HELLO: 0x01,
  OTA_BEGIN: 0x02,
  OTA_DATA: 0x03,
  OTA_END: 0x04,
  SET_BOOT: 0x05,
  REBOOT: 0x06,
  HEALTH: 0x87,
  CONFIRM: 0x08,
  ROLLBACK: 0x09,
  OTA_ABORT: 0x0a,
  ERROR: 0xff
} as const
export type MsgTypeValue = typeof MsgType[keyof typeof MsgType]

export const RESPONSE_BIT = 0x80

/** Payload bounds of each request and its answer: [min, max] bytes. */
export const REQUEST_PAYLOAD: Record<number, [number, number]> = {
  [MsgType.HELLO]: [1, 1],
  [MsgType.OTA_BEGIN]: [36, 36],
  [MsgType.OTA_DATA]: [5, 4 + CHUNK_MAX],
  [MsgType.OTA_END]: [0, 0],
  [MsgType.SET_BOOT]: [1, 1],
  [MsgType.REBOOT]: [0, 0],
  [MsgType.CONFIRM]: [0, 0],
  [MsgType.ROLLBACK]: [0, 0],
  [MsgType.OTA_ABORT]: [0, 0]
}
export const ANSWER_PAYLOAD: Record<number, [number, number]> = {
  // 124: bridges before the device uid was added; 140 with it (PROTOCOL.md "INFO").
  [MsgType.HELLO]: [124, 140],
  [MsgType.OTA_BEGIN]: [8, 8],
  [MsgType.OTA_DATA]: [4, 4],
  [MsgType.OTA_END]: [0, 0],
  [MsgType.SET_BOOT]: [0, 0],
  [MsgType.REBOOT]: [0, 0],
  [MsgType.CONFIRM]: [0, 0],
  [MsgType.ROLLBACK]: [0, 0],
  [MsgType.OTA_ABORT]: [0, 0]
}
/** INFO with the device uid, and as the first release of the bridge sent it (no uid). */
export const INFO_BYTES = 140
export const INFO_BYTES_V1 = 124
export const HEALTH_PAYLOAD_BYTES = 36
export const ERROR_PAYLOAD_BYTES = 8
export const VERSION_FIELD_BYTES = 32

/** Wire error codes (PROTOCOL.md "Error codes"). */
export const WireError = {
  BAD_CRC: 1,
  BAD_FRAME: 2,
  UNKNOWN_TYPE: 3,
  BAD_LENGTH: 4,
  NO_SESSION: 5,
  BAD_OFFSET: 6,
  TOO_LARGE: 7,
  HASH_MISMATCH: 8,
  FLASH: 9,
  BAD_SLOT: 10,
  BAD_STATE: 11,
  BAD_IMAGE: 12,
  WRONG_CHIP: 13,
  VERSION: 14
} as const
export const WIRE_ERROR_NAMES: Record<number, string> = Object.fromEntries(Object.entries(WireError).map(([k, v]) => [v, k]))

/** Slot states, as ESP-IDF's esp_ota_img_states_t plus WRITTEN. */
export const SlotState = { EMPTY: 0, NEW: 1, PENDING_VERIFY: 2, VALID: 3, INVALID: 4, ABORTED: 5, WRITTEN: 6 } as const
export const SLOT_STATE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(SlotState).map(([k, v]) => [v, k.toLowerCase().replace('_', '-')]))

export const BootReason = { POWER_ON: 0, REBOOT: 1, BOOTLOADER_ROLLBACK: 2, ROLLBACK: 3 } as const
export const BOOT_REASON_NAMES: Record<number, string> = { 0: 'power-on', 1: 'reboot', 2: 'bootloader-rollback', 3: 'rollback' }
