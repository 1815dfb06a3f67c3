#include "bridge.h"
#include "cobs.h"
#include "crc32.h"
#include "ota_port.h"
#include "protocol.h"
#include "stm32_image.h"
#include <assert.h>
#include <string.h>

static uint8_t g_rx[FB_ENCODED_MAX];  /* one encoded frame being received */
static uint32_t g_rx_len;
static uint8_t g_rx_overflow;
static uint8_t g_raw[FB_DECODED_MAX]; /* the decoded frame */
static uint8_t g_tx_raw[FB_DECODED_MAX];
static uint8_t g_tx[FB_ENCODED_MAX];
static uint16_t g_chip;
static uint8_t g_uid[FB_UID_BYTES];
static fb_bridge_stats_t g_stats;

static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24); }

void fb_bridge_init(const fb_bridge_cfg_t *cfg) {
  g_chip = cfg->chip;
  memcpy(g_uid, cfg->uid, sizeof g_uid);
  g_rx_len = 0;
  g_rx_overflow = 0;
  memset(&g_stats, 0, sizeof g_stats);
}

const fb_bridge_stats_t *fb_bridge_stats(void) { return &g_stats; }

static void send_frame(uint8_t type, uint8_t seq, const uint8_t *payload, uint32_t len) {
  assert(len <= FB_PAYLOAD_MAX);
  g_tx_raw[0] = type;
  g_tx_raw[1] = seq;
  if (len) memcpy(g_tx_raw + 2, payload, len);
  put32(g_tx_raw + 2 + len, fb_crc32(0, g_tx_raw, 2 + len));
  uint32_t n = fb_cobs_encode(g_tx_raw, 2 + len + 4, g_tx, sizeof g_tx - 1u);
  assert(n > 0);
  g_tx[n++] = 0;
  fb_uart_write(g_tx, n);
}

static void send_error(uint8_t seq, uint8_t request_type, int code, uint32_t detail) {
  uint8_t p[FB_ERROR_BYTES] = { (uint8_t)code, request_type, 0, 0, 0, 0, 0, 0 };
  put32(p + 4, detail);
  g_stats.errors++;
  send_frame(FB_MSG_ERROR, seq, p, sizeof p);
}

void fb_bridge_send_health(uint8_t running_slot, uint8_t state, uint8_t healthy, uint8_t reason, const char *version) {
  uint8_t p[FB_HEALTH_BYTES] = { running_slot, state, healthy, reason };
  strncpy((char *)p + 4, version, FB_VERSION_BYTES - 1u);
  send_frame(FB_MSG_HEALTH, 0, p, sizeof p);
}

static void answer_info(uint8_t seq) {
  fb_ota_status_t s;
  uint8_t p[FB_INFO_BYTES];
  fb_ota_status(&s);
  memset(p, 0, sizeof p);
  p[0] = FB_PROTOCOL_VERSION;
  p[1] = FB_WINDOW;
  p[2] = (uint8_t)g_chip; p[3] = (uint8_t)(g_chip >> 8);
  p[4] = (uint8_t)FB_CHUNK_MAX; p[5] = (uint8_t)(FB_CHUNK_MAX >> 8);
  p[6] = s.running_slot; p[7] = s.boot_slot; p[8] = s.state[0]; p[9] = s.state[1];
  p[10] = (uint8_t)s.secure_version; p[11] = (uint8_t)(s.secure_version >> 8);
  put32(p + 12, s.slot_bytes);
  p[16] = s.session_active; p[17] = s.session_slot;
  put32(p + 20, s.session_size);
  put32(p + 24, s.session_offset);
  memcpy(p + 28, s.session_sha, 32);
  memcpy(p + 60, s.version[0], FB_VERSION_BYTES);
  memcpy(p + 92, s.version[1], FB_VERSION_BYTES);
  memcpy(p + 124, g_uid, FB_UID_BYTES);
  send_frame(FB_MSG_HELLO | FB_RESPONSE_BIT, seq, p, sizeof p);
}

/* The first chunk carries the image header: refuse a non-image or another chip's build before a
   byte reaches flash. ESP: magic 0xE9 and the chip id of the image header; STM32: the FleetD
   STM32 header's magic and DEV_ID (stm32_image.h). *detail: the image's chip on WRONG_CHIP. */
static int check_first_chunk(const uint8_t *data, uint32_t len, uint32_t *detail) {
  if (g_chip & FB_CHIP_STM32_FLAG) {
    if (len < FB_STM32_OFF_FLAGS || get32(data + FB_STM32_OFF_MAGIC) != FB_STM32_IMAGE_MAGIC) return FB_ERR_BAD_IMAGE;
    uint16_t dev = (uint16_t)(data[FB_STM32_OFF_DEV_ID] | (data[FB_STM32_OFF_DEV_ID + 1] << 8));
    *detail = dev;
    return dev == (g_chip & (uint16_t)~FB_CHIP_STM32_FLAG) ? FB_OK : FB_ERR_WRONG_CHIP;
  }
  if (len < 14u || data[0] != FB_ESP_IMAGE_MAGIC) return FB_ERR_BAD_IMAGE;
  uint16_t chip = (uint16_t)(data[12] | (data[13] << 8));
  *detail = chip;
  return chip == g_chip ? FB_OK : FB_ERR_WRONG_CHIP;
}

static int expect_len(uint32_t len, uint32_t min, uint32_t max) { return len >= min && len <= max; }

static fb_action_t dispatch(uint8_t type, uint8_t seq, const uint8_t *p, uint32_t len) {
  int rc = FB_OK;
  uint32_t detail = 0;
  uint8_t out[8];
  uint32_t out_len = 0;
  fb_action_t action = FB_ACTION_NONE;
  switch (type) {
    case FB_MSG_HELLO:
      if (!expect_len(len, 1, 1)) { rc = FB_ERR_BAD_LENGTH; break; }
      if (p[0] != FB_PROTOCOL_VERSION) { rc = FB_ERR_VERSION; detail = FB_PROTOCOL_VERSION; break; }
      answer_info(seq);
      return FB_ACTION_NONE;
    case FB_MSG_OTA_BEGIN: {
      if (!expect_len(len, 36, 36)) { rc = FB_ERR_BAD_LENGTH; break; }
      uint8_t slot = 0;
      uint32_t offset = 0;
      fb_ota_status_t s;
      rc = fb_ota_begin(get32(p), p + 4, &slot, &offset);
      if (rc == FB_ERR_TOO_LARGE) { fb_ota_status(&s); detail = s.slot_bytes; break; }
      memset(out, 0, sizeof out);
      out[0] = slot;
      put32(out + 4, offset);
      out_len = 8;
      break;
    }
    case FB_MSG_OTA_DATA: {
      if (!expect_len(len, 5, 4u + FB_CHUNK_MAX)) { rc = FB_ERR_BAD_LENGTH; break; }
      uint32_t offset = get32(p), next = 0;
      if (offset == 0 && (rc = check_first_chunk(p + 4, len - 4u, &detail)) != FB_OK) {
        if (rc != FB_ERR_WRONG_CHIP) detail = 0;
        break;
      }
      rc = fb_ota_write(offset, p + 4, len - 4u, &next);
      if (rc == FB_ERR_BAD_OFFSET) detail = next;
      put32(out, next);
      out_len = 4;
      break;
    }
    case FB_MSG_OTA_END: rc = len ? FB_ERR_BAD_LENGTH : fb_ota_end(); break;
    case FB_MSG_SET_BOOT: rc = len != 1u ? FB_ERR_BAD_LENGTH : fb_ota_set_boot(p[0]); break;
    case FB_MSG_REBOOT: if (len) rc = FB_ERR_BAD_LENGTH; else action = FB_ACTION_REBOOT; break;
    case FB_MSG_CONFIRM: rc = len ? FB_ERR_BAD_LENGTH : fb_ota_confirm(); break;
    case FB_MSG_ROLLBACK:
      rc = len ? FB_ERR_BAD_LENGTH : fb_ota_mark_invalid();
      if (rc == FB_OK) action = FB_ACTION_ROLLBACK;
      break;
    case FB_MSG_OTA_ABORT: rc = len ? FB_ERR_BAD_LENGTH : fb_ota_abort(); break;
    default: rc = FB_ERR_UNKNOWN_TYPE; detail = type; break;
  }
  if (rc != FB_OK) {
    send_error(seq, type, rc, detail);
    return FB_ACTION_NONE;
  }
  send_frame((uint8_t)(type | FB_RESPONSE_BIT), seq, out, out_len);
  return action;
}

static fb_action_t handle_frame(void) {
  int32_t n = fb_cobs_decode(g_rx, g_rx_len, g_raw, sizeof g_raw);
  if (n < 6) {
    g_stats.bad_frame++;
    send_error(0, 0, FB_ERR_BAD_FRAME, (uint32_t)g_rx_len);
    return FB_ACTION_NONE;
  }
  uint32_t len = (uint32_t)n;
  if (fb_crc32(0, g_raw, len - 4u) != get32(g_raw + len - 4u)) {
    g_stats.bad_crc++;
    send_error(0, 0, FB_ERR_BAD_CRC, 0);
    return FB_ACTION_NONE;
  }
  g_stats.frames++;
  return dispatch(g_raw[0], g_raw[1], g_raw + 2, len - 6u);
}

fb_action_t fb_bridge_feed(const uint8_t *buf, uint32_t len) {
  fb_action_t action = FB_ACTION_NONE;
  for (uint32_t i = 0; i < len; i++) {
    if (buf[i] != 0) {
      if (g_rx_len < sizeof g_rx) g_rx[g_rx_len++] = buf[i];
      else g_rx_overflow = 1;
      continue;
    }
    if (g_rx_overflow) {
      g_stats.bad_frame++;
      send_error(0, 0, FB_ERR_BAD_FRAME, g_rx_len);
    } else if (g_rx_len > 0) {
      fb_action_t a = handle_frame();
      if (a != FB_ACTION_NONE) {
        /* A reset drops whatever followed in the buffer, as the UART FIFO would be lost. */
        g_rx_len = 0;
        return a;
      }
    }
    g_rx_len = 0;
    g_rx_overflow = 0;
  }
  return action;
}
