/** ST AN3155 (USART protocol of the STM32 system bootloader) numbers. */
export const SYNC = 0x7f
export const ACK = 0x79
export const NACK = 0x1f
export const Cmd = { GET: 0x00, GET_VERSION: 0x01, GET_ID: 0x02, READ: 0x11, GO: 0x21, WRITE: 0x31, ERASE: 0x43, EXTENDED_ERASE: 0x44 } as const
/** Read and Write move at most 256 bytes per command. */
export const BLOCK_BYTES_MAX = 256
export const FLASH_BASE = 0x08000000
/** The bootloader answers within this long (erase of many pages takes longer: see ERASE_TIMEOUT_MS). */
export const ANSWER_TIMEOUT_MS = 1000
/** Mass erase of a 1 MiB part takes up to ~30 s (datasheet tME); pages take ~20-40 ms each. */
export const ERASE_TIMEOUT_MS = 40_000
export const SYNC_ATTEMPTS_MAX = 5

/** Page size by product id, where flash pages are uniform; others are mass-erased. */
export const PAGE_BYTES: Record<number, number> = {
  0x410: 1024, // STM32F10x medium density
  0x412: 1024, // STM32F10x low density
  0x414: 2048, // STM32F10x high density
  0x430: 2048, // STM32F10x XL density
  0x418: 2048, // STM32F105/107
  0x440: 1024, // STM32F030x8 / F05x
  0x444: 1024, // STM32F03x
  0x435: 2048, // STM32L43x/44x
  0x460: 2048 // STM32G07x/08x
}
