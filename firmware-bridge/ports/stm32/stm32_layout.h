/*
 * The STM32 port's part and flash map: an STM32L476RG (Cortex-M4F, DEV_ID 0x415; the NUCLEO-L476RG
 * board). 1 MiB of flash in two banks of 512 KiB, 2 KiB pages, programmed in 64-bit double words
 * with ECC (each double word once per erase); 96 KiB SRAM1 at 0x20000000.
 *
 *   0x08000000  bootloader (boot_stm32.c + slots.c + sha256/crc32 + the bridge for recovery), 32 KiB
 *   0x08008000  metadata log sector A (4 KiB = 2 pages)  <- flash_hal address 0
 *   0x08009000  metadata log sector B (4 KiB)
 *   0x0800A000  slot 0, 472 KiB: FleetD image header (512 B, IMAGE.md), then the app's vector table
 *   0x08080000  slot 1, 472 KiB: the start of bank 2, so an OTA into slot 1 programs the bank the
 *               CPU is not fetching from (read-while-write); 40 KiB of bank 2 stay free
 *
 * slots.c sees one flat range from the metadata on (flash_hal.h addresses); flash_stm32.c adds
 * FB_STM32_FLASH_ORIGIN. An erase "sector" of slots.c (4 KiB) is two pages, never across a bank.
 */
#ifndef FB_STM32_LAYOUT_H
#define FB_STM32_LAYOUT_H
#include <stdint.h>

#define FB_STM32_PART "STM32L476RG"
#define FB_STM32_DEV_ID 0x415u

#define FB_STM32_FLASH_BASE 0x08000000u
#define FB_STM32_BANK_BYTES 0x80000u
#define FB_STM32_BANK2_BASE (FB_STM32_FLASH_BASE + FB_STM32_BANK_BYTES)
#define FB_STM32_FLASH_END (FB_STM32_FLASH_BASE + 2u * FB_STM32_BANK_BYTES)
#define FB_STM32_PAGE_BYTES 2048u
#define FB_STM32_PROGRAM_BYTES 8u /* a double word; must equal FB_PROGRAM_ALIGN */

#define FB_STM32_BOOT_BASE FB_STM32_FLASH_BASE
#define FB_STM32_BOOT_BYTES 0x8000u
#define FB_STM32_FLASH_ORIGIN (FB_STM32_BOOT_BASE + FB_STM32_BOOT_BYTES) /* flash_hal address 0 */
#define FB_STM32_SLOT0_BASE 0x0800A000u
#define FB_STM32_SLOT1_BASE FB_STM32_BANK2_BASE
#define FB_STM32_SLOT_BYTES 0x76000u /* 472 KiB */
/* What slots.c may touch: the two metadata sectors and both slots. */
#define FB_STM32_REGION_BYTES (FB_STM32_SLOT1_BASE + FB_STM32_SLOT_BYTES - FB_STM32_FLASH_ORIGIN)

#define FB_STM32_SRAM_BASE 0x20000000u
#define FB_STM32_SRAM_END 0x20018000u /* SRAM1, 96 KiB */
/* The bootloader → app hand-off (boot_stm32.c): the first 16 bytes of SRAM1, kept out of both
   linker scripts' RAM region and not zeroed by either startup code. */
#define FB_STM32_HANDOFF_ADDR FB_STM32_SRAM_BASE
#define FB_STM32_HANDOFF_MAGIC 0x464F4842u /* "BHOF" */

typedef struct {
  uint32_t magic;
  uint8_t slot;    /* the slot the bootloader started (FB_NO_SLOT: none, the bootloader runs the bridge) */
  uint8_t reason;  /* enum fb_boot_reason for the HEALTH report */
  uint8_t request; /* set by the app before a reset: why it resets (REBOOT or ROLLBACK) */
  uint8_t pad;
  uint32_t check;  /* ~magic ^ the bytes above: a half-written hand-off is ignored */
  uint32_t reserved;
} fb_stm32_handoff_t;

#endif
