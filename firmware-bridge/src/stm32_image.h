/*
 * The FleetD STM32 image header (IMAGE.md): 512 bytes in front of the application, so the
 * bridge can read an image's version and anti-rollback number the way it reads an ESP-IDF
 * esp_app_desc_t, and the vector table that follows stays 512-byte aligned for VTOR.
 * gateway/stm32-image/constants.ts holds the same numbers.
 */
#ifndef FB_STM32_IMAGE_H
#define FB_STM32_IMAGE_H
#include <stdint.h>

#define FB_STM32_IMAGE_MAGIC 0x32335346u /* "FS32" little-endian */
#define FB_STM32_HEADER_VERSION 1u
#define FB_STM32_HEADER_BYTES 512u

/* Field offsets; all integers little-endian. */
#define FB_STM32_OFF_MAGIC 0u          /* u32 */
#define FB_STM32_OFF_HEADER_VERSION 4u /* u16 */
#define FB_STM32_OFF_HEADER_BYTES 6u   /* u16 */
#define FB_STM32_OFF_DEV_ID 8u         /* u16: DBGMCU_IDCODE.DEV_ID of the part it is built for */
#define FB_STM32_OFF_FLAGS 10u         /* u16: 0 */
#define FB_STM32_OFF_SECURE_VERSION 12u /* u32 */
#define FB_STM32_OFF_PAYLOAD_BYTES 16u /* u32 */
#define FB_STM32_OFF_LOAD_ADDR 20u     /* u32: vector table address it is linked for; 0 = any slot */
#define FB_STM32_OFF_VERSION 24u       /* char[32], NUL-terminated */
#define FB_STM32_OFF_PROJECT 56u       /* char[32], NUL-terminated */
#define FB_STM32_OFF_PAYLOAD_SHA 88u   /* u8[32]: SHA-256 of the payload */
#define FB_STM32_OFF_HEADER_CRC 120u   /* u32: CRC-32 of bytes 0..119 */
#define FB_STM32_NAME_BYTES 32u
/* The header's fixed part; the rest up to FB_STM32_HEADER_BYTES is zero. */
#define FB_STM32_FIXED_BYTES 124u

#endif
