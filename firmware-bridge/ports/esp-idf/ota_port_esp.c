/*
 * ota_port.h on ESP-IDF (v5.x): the bridge's OTA operations mapped onto the app OTA API, with
 * rollback enabled (CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE): the bootloader boots a new image
 * once as ESP_OTA_IMG_PENDING_VERIFY and rolls back unless the app calls
 * esp_ota_mark_app_valid_cancel_rollback() (our CONFIRM) after its health check.
 *
 * NOT COMPILED HERE: no ESP-IDF toolchain runs on the development machine; the host build
 * (slots.c + host/) is what the tests run. Differences from slots.c: the open session lives in
 * RAM only (a reset restarts the transfer at 0; resuming across resets needs the offset in NVS),
 * and the image hash is checked by esp_ota_end() (ESP-IDF's own image verification) plus ours.
 */
#include "../../src/ota_port.h"
#include "esp_app_desc.h"
#include "esp_efuse.h"
#include "esp_ota_ops.h"
#include "mbedtls/sha256.h"
#include <string.h>

static esp_ota_handle_t s_handle;
static const esp_partition_t *s_target;
static uint32_t s_size, s_written;
static uint8_t s_sha[32];
static mbedtls_sha256_context s_hash;
static uint8_t s_active;

static uint8_t slot_of(const esp_partition_t *p) { return p && p->subtype == ESP_PARTITION_SUBTYPE_APP_OTA_1 ? 1u : 0u; }

static uint8_t state_of(const esp_partition_t *p) {
  esp_ota_img_states_t st;
  if (!p || esp_ota_get_state_partition(p, &st) != ESP_OK) return FB_SLOT_EMPTY;
  switch (st) {
    case ESP_OTA_IMG_NEW: return FB_SLOT_NEW;
    case ESP_OTA_IMG_PENDING_VERIFY: return FB_SLOT_PENDING_VERIFY;
    case ESP_OTA_IMG_VALID: case ESP_OTA_IMG_UNDEFINED: return FB_SLOT_VALID;
    case ESP_OTA_IMG_INVALID: return FB_SLOT_INVALID;
    case ESP_OTA_IMG_ABORTED: return FB_SLOT_ABORTED;
    default: return FB_SLOT_EMPTY;
  }
}

void fb_ota_status(fb_ota_status_t *o) {
  memset(o, 0, sizeof *o);
  const esp_partition_t *running = esp_ota_get_running_partition();
  o->running_slot = slot_of(running);
  o->boot_slot = slot_of(esp_ota_get_boot_partition());
  for (uint8_t i = 0; i < 2u; i++) {
    const esp_partition_t *p = esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_OTA_0 + i, NULL);
    esp_app_desc_t d;
    o->state[i] = state_of(p);
    if (p && esp_ota_get_partition_description(p, &d) == ESP_OK) strncpy(o->version[i], d.version, FB_VERSION_BYTES - 1u);
    if (p && i == 0) o->slot_bytes = p->size;
  }
  o->secure_version = (uint16_t)esp_efuse_read_secure_version();
  o->session_active = s_active;
  o->session_slot = slot_of(s_target);
  o->session_size = s_size;
  o->session_offset = s_written;
  memcpy(o->session_sha, s_sha, 32);
}

int fb_ota_begin(uint32_t size, const uint8_t sha[32], uint8_t *slot, uint32_t *offset) {
  const esp_partition_t *running = esp_ota_get_running_partition();
  if (state_of(running) == FB_SLOT_PENDING_VERIFY) return FB_ERR_BAD_STATE;
  const esp_partition_t *target = esp_ota_get_next_update_partition(NULL);
  if (!target) return FB_ERR_BAD_SLOT;
  if (size > target->size) return FB_ERR_TOO_LARGE;
  *slot = slot_of(target);
  if (s_active && s_target == target && s_size == size && memcmp(s_sha, sha, 32) == 0) { *offset = s_written; return FB_OK; }
  if (s_active) esp_ota_abort(s_handle);
  if (esp_ota_begin(target, size, &s_handle) != ESP_OK) return FB_ERR_FLASH;
  s_target = target; s_size = size; s_written = 0; s_active = 1;
  memcpy(s_sha, sha, 32);
  mbedtls_sha256_init(&s_hash);
  mbedtls_sha256_starts(&s_hash, 0);
  *offset = 0;
  return FB_OK;
}

int fb_ota_write(uint32_t offset, const uint8_t *data, uint32_t len, uint32_t *next) {
  *next = s_written;
  if (!s_active) return FB_ERR_NO_SESSION;
  if (offset < s_written && offset + len <= s_written) return FB_OK;
  if (offset != s_written) return FB_ERR_BAD_OFFSET;
  if (offset + len > s_size) return FB_ERR_BAD_LENGTH;
  if (esp_ota_write(s_handle, data, len) != ESP_OK) return FB_ERR_FLASH;
  mbedtls_sha256_update(&s_hash, data, len);
  s_written += len;
  *next = s_written;
  return FB_OK;
}

int fb_ota_end(void) {
  uint8_t sha[32];
  if (!s_active) return FB_ERR_NO_SESSION;
  if (s_written != s_size) return FB_ERR_BAD_STATE;
  s_active = 0;
  mbedtls_sha256_finish(&s_hash, sha);
  if (memcmp(sha, s_sha, 32) != 0) { esp_ota_abort(s_handle); return FB_ERR_HASH_MISMATCH; }
  return esp_ota_end(s_handle) == ESP_OK ? FB_OK : FB_ERR_HASH_MISMATCH;
}

int fb_ota_abort(void) {
  if (s_active) esp_ota_abort(s_handle);
  s_active = 0;
  return FB_OK;
}

int fb_ota_set_boot(uint8_t slot) {
  const esp_partition_t *p = esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_OTA_0 + slot, NULL);
  if (!p || slot > 1u) return FB_ERR_BAD_SLOT;
  return esp_ota_set_boot_partition(p) == ESP_OK ? FB_OK : FB_ERR_BAD_SLOT;
}

int fb_ota_confirm(void) {
  return esp_ota_mark_app_valid_cancel_rollback() == ESP_OK ? FB_OK : FB_ERR_BAD_STATE;
}

int fb_ota_mark_invalid(void) {
  /* esp_ota_mark_app_invalid_rollback_and_reboot() resets by itself; the bridge's own reset after
     the answer is then never reached, which is what the protocol allows (HEALTH follows). */
  return esp_ota_mark_app_invalid_rollback_and_reboot() == ESP_OK ? FB_OK : FB_ERR_BAD_STATE;
}

/* The bridge's config on ESP-IDF: the chip id of the image header and the base MAC from eFuse as
   the device uid, so the gateway gives this MCU the same fleet device id across its restarts. */
#include "../../src/bridge.h"
#include "esp_mac.h"
void fb_port_bridge_cfg(fb_bridge_cfg_t *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->chip = (uint16_t)CONFIG_IDF_FIRMWARE_CHIP_ID; /* what esptool writes into the image header */
  (void)esp_efuse_mac_get_default(cfg->uid); /* 6 bytes; the rest stays 0 */
}
