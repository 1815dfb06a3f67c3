/* Raw NOR flash as slots.c sees it: 4 KiB erase sectors, programming only clears bits. */
#ifndef FB_FLASH_HAL_H
#define FB_FLASH_HAL_H
#include <stdint.h>
#define FB_SECTOR_BYTES 4096u
int fb_flash_read(uint32_t addr, uint8_t *buf, uint32_t len);
int fb_flash_erase_sector(uint32_t addr);
int fb_flash_program(uint32_t addr, const uint8_t *buf, uint32_t len);
#endif
