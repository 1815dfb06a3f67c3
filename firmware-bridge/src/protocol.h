/* Bridge protocol numbers (PROTOCOL.md); gateway/bridge/constants.ts holds the same values. */
#ifndef FB_PROTOCOL_H
#define FB_PROTOCOL_H

#include <stdint.h>

#define FB_PROTOCOL_VERSION 1u
#define FB_PAYLOAD_MAX 1032u
#define FB_CHUNK_MAX 1024u
#define FB_DECODED_MAX (2u + FB_PAYLOAD_MAX + 4u)
/* COBS overhead (one byte per 254, plus one) and the delimiter. */
#define FB_ENCODED_MAX (FB_DECODED_MAX + (FB_DECODED_MAX + 253u) / 254u + 2u)
/* Frames the device can take back to back: its UART ring buffer holds this many chunks. */
#define FB_WINDOW 8u
#define FB_VERSION_BYTES 32u
/* INFO grew by the device uid (16 bytes) after the first release; gateways accept both. */
#define FB_INFO_BYTES 140u
#define FB_UID_BYTES 16u
#define FB_HEALTH_BYTES 36u
#define FB_ERROR_BYTES 8u

enum fb_msg {
  FB_MSG_HELLO = 0x01, FB_MSG_OTA_BEGIN = 0x02, FB_MSG_OTA_DATA = 0x03, FB_MSG_OTA_END = 0x04,
  FB_MSG_SET_BOOT = 0x05, FB_MSG_REBOOT = 0x06, FB_MSG_HEALTH = 0x87, FB_MSG_CONFIRM = 0x08,
  FB_MSG_ROLLBACK = 0x09, FB_MSG_OTA_ABORT = 0x0A, FB_MSG_ERROR = 0xFF
};
#define FB_RESPONSE_BIT 0x80u

/* 0 is success; the rest are the wire error codes. */
enum fb_err {
  FB_OK = 0, FB_ERR_BAD_CRC = 1, FB_ERR_BAD_FRAME = 2, FB_ERR_UNKNOWN_TYPE = 3, FB_ERR_BAD_LENGTH = 4,
  FB_ERR_NO_SESSION = 5, FB_ERR_BAD_OFFSET = 6, FB_ERR_TOO_LARGE = 7, FB_ERR_HASH_MISMATCH = 8,
  FB_ERR_FLASH = 9, FB_ERR_BAD_SLOT = 10, FB_ERR_BAD_STATE = 11, FB_ERR_BAD_IMAGE = 12,
  FB_ERR_WRONG_CHIP = 13, FB_ERR_VERSION = 14
};

enum fb_slot_state {
  FB_SLOT_EMPTY = 0, FB_SLOT_NEW = 1, FB_SLOT_PENDING_VERIFY = 2, FB_SLOT_VALID = 3,
  FB_SLOT_INVALID = 4, FB_SLOT_ABORTED = 5, FB_SLOT_WRITTEN = 6
};

enum fb_boot_reason { FB_BOOT_POWER_ON = 0, FB_BOOT_REBOOT = 1, FB_BOOT_BOOTLOADER_ROLLBACK = 2, FB_BOOT_ROLLBACK = 3 };

#define FB_NO_SLOT 0xFFu
#define FB_CHIP_STM32_FLAG 0x8000u
#define FB_ESP_IMAGE_MAGIC 0xE9u

#endif
