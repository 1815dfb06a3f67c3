/* Raw NOR flash as slots.c sees it: 4 KiB erase sectors, programming only clears bits. */
#ifndef FB_FLASH_HAL_H
#define FB_FLASH_HAL_H
#include <stdint.h>
#define FB_SECTOR_BYTES 4096u
/* Smallest unit a program operation writes, each at most once: 1 on NOR and the host simulation,
   8 on an STM32L4 (a 64-bit double word with ECC). slots.c starts every program at a multiple of
   it; a port pads a short tail with 0xFF. */
#ifndef FB_PROGRAM_ALIGN
#define FB_PROGRAM_ALIGN 1u
#endif
int fb_flash_read(uint32_t addr, uint8_t *buf, uint32_t len);
int fb_flash_erase_sector(uint32_t addr);
int fb_flash_program(uint32_t addr, const uint8_t *buf, uint32_t len);
#endif
