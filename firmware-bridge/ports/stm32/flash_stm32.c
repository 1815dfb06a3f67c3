/*
 * flash_hal.h on an STM32L476 through ST's HAL: a 4 KiB slots.c sector is two 2 KiB pages
 * (HAL_FLASHEx_Erase), programming goes in 64-bit double words (HAL_FLASH_Program), a short tail
 * padded with 0xFF. Reads are plain loads from the memory-mapped flash; a double word torn by a
 * power cut can fail its ECC, which raises an NMI: fb_stm32_flash_nmi() (called from the
 * board's NMI_Handler) clears it and the read reports an error, so slots.c treats that record or
 * slot as damaged instead of the part locking up in the NMI.
 *
 * Build with -DFB_PROGRAM_ALIGN=8u so slots.c never programs a double word twice.
 */
#include "../../src/flash_hal.h"
#include "stm32_hal.h"
#include "stm32_layout.h"
#include <string.h>

_Static_assert(FB_PROGRAM_ALIGN == FB_STM32_PROGRAM_BYTES, "build the STM32 port with -DFB_PROGRAM_ALIGN=8u");
_Static_assert(FB_SECTOR_BYTES % FB_STM32_PAGE_BYTES == 0, "a slots.c sector is whole pages");
_Static_assert(FB_STM32_BANK2_BASE % FB_SECTOR_BYTES == 0, "no sector spans the two banks");

static volatile uint8_t g_ecc_fault;

void fb_stm32_flash_nmi(void) {
  if (__HAL_FLASH_GET_FLAG(FLASH_FLAG_ECCD)) {
    __HAL_FLASH_CLEAR_FLAG(FLASH_FLAG_ECCD);
    g_ecc_fault = 1;
  }
}

static int in_region(uint32_t addr, uint32_t len) {
  return addr <= FB_STM32_REGION_BYTES && len <= FB_STM32_REGION_BYTES - addr;
}

int fb_flash_read(uint32_t addr, uint8_t *buf, uint32_t len) {
  if (!in_region(addr, len)) return -1;
  g_ecc_fault = 0;
  memcpy(buf, (const uint8_t *)(uintptr_t)(FB_STM32_FLASH_ORIGIN + addr), len);
  __DSB();
  return g_ecc_fault ? -1 : 0;
}

int fb_flash_erase_sector(uint32_t addr) {
  if (addr % FB_SECTOR_BYTES != 0 || !in_region(addr, FB_SECTOR_BYTES)) return -1;
  uint32_t abs = FB_STM32_FLASH_ORIGIN + addr;
  uint32_t bank_base = abs < FB_STM32_BANK2_BASE ? FB_STM32_FLASH_BASE : FB_STM32_BANK2_BASE;
  FLASH_EraseInitTypeDef erase = {
    .TypeErase = FLASH_TYPEERASE_PAGES,
    .Banks = abs < FB_STM32_BANK2_BASE ? FLASH_BANK_1 : FLASH_BANK_2,
    .Page = (abs - bank_base) / FB_STM32_PAGE_BYTES,
    .NbPages = FB_SECTOR_BYTES / FB_STM32_PAGE_BYTES,
  };
  uint32_t page_error = 0;
  if (HAL_FLASH_Unlock() != HAL_OK) return -1;
  HAL_StatusTypeDef st = HAL_FLASHEx_Erase(&erase, &page_error); /* also flushes the caches */
  (void)HAL_FLASH_Lock();
  return st == HAL_OK && page_error == 0xFFFFFFFFu ? 0 : -1;
}

int fb_flash_program(uint32_t addr, const uint8_t *buf, uint32_t len) {
  if (addr % FB_STM32_PROGRAM_BYTES != 0 || !in_region(addr, len)) return -1;
  if (HAL_FLASH_Unlock() != HAL_OK) return -1;
  int rc = 0;
  for (uint32_t at = 0; at < len && rc == 0; at += FB_STM32_PROGRAM_BYTES) {
    uint32_t n = len - at < FB_STM32_PROGRAM_BYTES ? len - at : FB_STM32_PROGRAM_BYTES;
    uint64_t dw = UINT64_MAX; /* the tail of a short write stays erased */
    memcpy(&dw, buf + at, n); /* little-endian: byte 0 lands at the lowest address */
    if (HAL_FLASH_Program(FLASH_TYPEPROGRAM_DOUBLEWORD, FB_STM32_FLASH_ORIGIN + addr + at, dw) != HAL_OK) rc = -1;
  }
  (void)HAL_FLASH_Lock();
  return rc;
}
