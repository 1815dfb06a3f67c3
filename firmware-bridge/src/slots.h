/* Two-slot OTA over raw flash with a power-safe metadata journal (PROTOCOL.md "OTA, window and resume"). */
#ifndef FB_SLOTS_H
#define FB_SLOTS_H
#include <stdint.h>
#include "ota_port.h"

/* Flash layout: metadata sectors A and B, then slot 0 and slot 1 of slot_bytes each. */
#define FB_META_A 0u
#define FB_META_B FB_SECTOR_BYTES
#define FB_SLOTS_BASE (2u * FB_SECTOR_BYTES)

/* Loads metadata; slot_bytes must be a multiple of the sector size. */
void fb_slots_init(uint32_t slot_bytes);
/* The bootloader: picks the slot to run (or FB_NO_SLOT) and why, updating states as ESP-IDF does. */
uint8_t fb_slots_boot(uint8_t *reason);
/* The app side when the bootloader is a separate program (the STM32 port): after fb_slots_init,
   takes the slot the bootloader started (it handed it over in RAM) without running the boot
   decision again, which would count a second boot of a PENDING_VERIFY slot. */
void fb_slots_resume(uint8_t running);
/* Factory programming: writes an image to a slot, marks it VALID and bootable. */
int fb_slots_install(uint8_t slot, const uint8_t *image, uint32_t len);
uint32_t fb_slots_base(uint8_t slot);
#endif
