/** FleetD STM32 image header numbers (firmware-bridge/IMAGE.md; firmware-bridge/src/stm32_image.h holds the same). */
/** "FS32" read as a little-endian u32. */
export const IMAGE_MAGIC = 0x32335346
export const HEADER_VERSION = 1
/**
 * The header is padded to 512 bytes so the vector table behind it is aligned for VTOR (a
 * Cortex-M4/M7 with up to 128 vectors needs 512-byte alignment).
 */
export const HEADER_BYTES = 512
/** The fixed fields; the CRC-32 at 120 covers bytes 0..119, the rest up to HEADER_BYTES is zero. */
export const HEADER_FIXED_BYTES = 124
export const NAME_BYTES = 32
export const Offset = {
  MAGIC: 0, HEADER_VERSION: 4, HEADER_BYTES: 6, DEV_ID: 8, FLAGS: 10, SECURE_VERSION: 12, PAYLOAD_BYTES: 16,
  LOAD_ADDR: 20, VERSION: 24, PROJECT: 56, PAYLOAD_SHA256: 88, HEADER_CRC: 120
} as const
/** The largest internal flash of an STM32 (H7: 2 MiB): a payload over it cannot be an app. */
export const PAYLOAD_BYTES_MAX = 2 * 1024 * 1024
/** INFO's chip of an STM32 port: this flag | DEV_ID (firmware-bridge/src/protocol.h). */
export const CHIP_STM32_FLAG = 0x8000

/**
 * DBGMCU_IDCODE.DEV_ID by part (RM0383, RM0351, …; also what the system bootloader's Get ID
 * answers, AN2606). The header names the part it was built for with it.
 */
export const DEV_IDS: Record<string, number> = {
  stm32f40x: 0x413, stm32f42x: 0x419, stm32f401xc: 0x423, stm32f401xe: 0x433, stm32f411: 0x431, stm32f412: 0x441,
  stm32f446: 0x421, stm32f72x: 0x452, stm32f74x: 0x449, stm32f76x: 0x451, stm32l43x: 0x435, stm32l45x: 0x462,
  stm32l47x: 0x415, stm32l49x: 0x461, stm32g07x: 0x460, stm32g47x: 0x469, stm32h74x: 0x450
}
export const DEV_NAMES: Record<number, string> = Object.fromEntries(Object.entries(DEV_IDS).map(([k, v]) => [v, k]))
