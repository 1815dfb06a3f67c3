/*
 * What the bridge needs from an OTA implementation. Two exist: slots.c (two flash slots and a
 * metadata journal over flash_hal.h: the host simulation and the STM32 port) and
 * ports/esp-idf/ota_port_esp.c (esp_ota_begin/write/end, esp_ota_set_boot_partition and
 * esp_ota_mark_app_valid_cancel_rollback). Every function returns FB_OK or a wire error code.
 */
#ifndef FB_OTA_PORT_H
#define FB_OTA_PORT_H
#include <stdint.h>
#include "protocol.h"

typedef struct {
  uint8_t running_slot, boot_slot, state[2];
  uint32_t slot_bytes;
  uint16_t secure_version; /* of the running app (the eFuse security version on ESP-IDF) */
  uint8_t session_active, session_slot;
  uint32_t session_size, session_offset;
  uint8_t session_sha[32];
  char version[2][FB_VERSION_BYTES];
} fb_ota_status_t;

void fb_ota_status(fb_ota_status_t *out);
int fb_ota_begin(uint32_t size, const uint8_t sha[32], uint8_t *slot, uint32_t *offset);
int fb_ota_write(uint32_t offset, const uint8_t *data, uint32_t len, uint32_t *next);
int fb_ota_end(void);
int fb_ota_abort(void);
int fb_ota_set_boot(uint8_t slot);
int fb_ota_confirm(void);
/* Marks the running slot invalid and points boot at the other; the caller then resets. */
int fb_ota_mark_invalid(void);
#endif
