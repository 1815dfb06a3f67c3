/*
 * C unit tests of the bridge: codecs against known vectors, the protocol engine fed frame by
 * frame with its answers captured, the slot state machine, and seeded power cuts in the middle
 * of an OTA after which the bootloader must always find an intact image.
 */
#include "../host/sim_flash.h"
#include "../src/bridge.h"
#include "../src/cobs.h"
#include "../src/crc32.h"
#include "../src/flash_hal.h"
#include "../src/protocol.h"
#include "../src/sha256.h"
#include "../src/slots.h"
#include "../src/stm32_image.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int g_passed, g_failed;
#define CHECK(cond) do { if (cond) g_passed++; else { g_failed++; fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } } while (0)

#define SLOT_BYTES (64u * 1024u)
#define IMAGE_BYTES 20000u

/* The UART: answers land here, decoded one frame at a time. */
static uint8_t g_out[8192];
static uint32_t g_out_len;
void fb_uart_write(const uint8_t *buf, uint32_t len) {
  if (g_out_len + len <= sizeof g_out) { memcpy(g_out + g_out_len, buf, len); g_out_len += len; }
}

typedef struct { uint8_t type, seq; uint8_t payload[FB_PAYLOAD_MAX]; uint32_t len; int ok; } frame_t;

static frame_t last_answer(void) {
  frame_t f;
  memset(&f, 0, sizeof f);
  uint8_t raw[FB_DECODED_MAX];
  uint32_t start = 0;
  for (uint32_t i = 0; i < g_out_len; i++) {
    if (g_out[i] != 0) continue;
    int32_t n = fb_cobs_decode(g_out + start, i - start, raw, sizeof raw);
    start = i + 1;
    if (n < 6) continue;
    uint32_t crc = (uint32_t)raw[n - 4] | ((uint32_t)raw[n - 3] << 8) | ((uint32_t)raw[n - 2] << 16) | ((uint32_t)raw[n - 1] << 24);
    f.ok = crc == fb_crc32(0, raw, (uint32_t)n - 4u);
    f.type = raw[0]; f.seq = raw[1]; f.len = (uint32_t)n - 6u;
    memcpy(f.payload, raw + 2, f.len);
  }
  g_out_len = 0;
  return f;
}

static fb_action_t send_req(uint8_t type, uint8_t seq, const uint8_t *p, uint32_t len) {
  uint8_t raw[FB_DECODED_MAX], enc[FB_ENCODED_MAX];
  raw[0] = type; raw[1] = seq;
  memcpy(raw + 2, p, len);
  uint32_t crc = fb_crc32(0, raw, 2 + len);
  for (uint32_t i = 0; i < 4u; i++) raw[2 + len + i] = (uint8_t)(crc >> (8u * i));
  uint32_t n = fb_cobs_encode(raw, 6 + len, enc, sizeof enc - 1u);
  enc[n++] = 0;
  return fb_bridge_feed(enc, n);
}

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24); }

static void make_image(uint8_t *img, uint32_t len, const char *version, uint16_t chip, uint32_t seed) {
  for (uint32_t i = 0; i < len; i++) { seed = seed * 1103515245u + 12345u; img[i] = (uint8_t)(seed >> 16); }
  img[0] = FB_ESP_IMAGE_MAGIC;
  img[12] = (uint8_t)chip; img[13] = (uint8_t)(chip >> 8);
  memset(img + 48, 0, 64);
  strcpy((char *)img + 48, version);
  strcpy((char *)img + 80, "fleet-app");
}

static void sha(const uint8_t *d, uint32_t n, uint8_t out[32]) { fb_sha256_t s; fb_sha256_init(&s); fb_sha256_update(&s, d, n); fb_sha256_final(&s, out); }

static void test_vectors(void) {
  CHECK(fb_crc32(0, (const uint8_t *)"123456789", 9) == 0xCBF43926u);
  uint8_t d[32];
  sha((const uint8_t *)"abc", 3, d);
  static const uint8_t abc[4] = { 0xba, 0x78, 0x16, 0xbf };
  CHECK(memcmp(d, abc, 4) == 0 && d[31] == 0xad);
  uint8_t in[700], enc[720], dec[700];
  for (uint32_t len = 0; len < sizeof in; len += 37) {
    for (uint32_t i = 0; i < len; i++) in[i] = (uint8_t)(i % 7 == 0 ? 0 : i);
    uint32_t n = fb_cobs_encode(in, len, enc, sizeof enc);
    int zero = 0;
    for (uint32_t i = 0; i < n; i++) zero |= enc[i] == 0;
    CHECK(!zero && fb_cobs_decode(enc, n, dec, sizeof dec) == (int32_t)len && memcmp(in, dec, len) == 0);
  }
  memset(in, 0x55, 600); /* runs of 254 non-zero bytes hit the 0xFF code */
  uint32_t n = fb_cobs_encode(in, 600, enc, sizeof enc);
  CHECK(fb_cobs_decode(enc, n, dec, sizeof dec) == 600);
  CHECK(fb_cobs_decode((const uint8_t *)"\x05\x01", 2, dec, sizeof dec) == -1);
}

static void test_bad_frames(void) {
  fb_bridge_cfg_t cfg = { 0 };
  static const uint8_t mac[6] = { 0x24, 0x6f, 0x28, 0xaa, 0xbb, 0xcc };
  memcpy(cfg.uid, mac, sizeof mac);
  fb_bridge_init(&cfg);
  uint8_t v = FB_PROTOCOL_VERSION;
  send_req(FB_MSG_HELLO, 7, &v, 1);
  frame_t f = last_answer();
  CHECK(f.ok && f.type == (FB_MSG_HELLO | FB_RESPONSE_BIT) && f.seq == 7 && f.len == FB_INFO_BYTES && f.payload[1] == FB_WINDOW);
  CHECK(memcmp(f.payload + 124, mac, sizeof mac) == 0 && f.payload[124 + 6] == 0 && f.payload[FB_INFO_BYTES - 1] == 0); /* the uid, zero-padded */
  v = 9;
  send_req(FB_MSG_HELLO, 8, &v, 1);
  f = last_answer();
  CHECK(f.type == FB_MSG_ERROR && f.payload[0] == FB_ERR_VERSION);
  send_req(0x42, 9, NULL, 0);
  f = last_answer();
  CHECK(f.type == FB_MSG_ERROR && f.payload[0] == FB_ERR_UNKNOWN_TYPE && f.seq == 9);
  send_req(FB_MSG_SET_BOOT, 10, NULL, 0);
  CHECK(last_answer().payload[0] == FB_ERR_BAD_LENGTH);
  uint8_t corrupt[] = { 0x03, 0x01, 0x07, 0x05, 0x11, 0x22, 0x33, 0x44, 0x00 };
  fb_bridge_feed(corrupt, sizeof corrupt);
  f = last_answer();
  CHECK(f.type == FB_MSG_ERROR && f.payload[0] == FB_ERR_BAD_CRC && fb_bridge_stats()->bad_crc == 1);
  static uint8_t flood[3000];
  memset(flood, 0x41, sizeof flood);
  fb_bridge_feed(flood, sizeof flood);
  uint8_t zero = 0;
  fb_bridge_feed(&zero, 1);
  f = last_answer();
  CHECK(f.type == FB_MSG_ERROR && f.payload[0] == FB_ERR_BAD_FRAME);
  send_req(FB_MSG_HELLO, 11, (const uint8_t *)"\x01", 1); /* still in sync after garbage */
  CHECK(last_answer().type == (FB_MSG_HELLO | FB_RESPONSE_BIT));
}

static uint8_t boot(uint8_t *reason) {
  fb_slots_init(SLOT_BYTES);
  fb_bridge_cfg_t cfg = { 0 };
  fb_bridge_init(&cfg);
  *reason = 0;
  return fb_slots_boot(reason);
}

/* Runs OTA_BEGIN..SET_BOOT; returns the first error code, 0 on success. */
static int ota(const uint8_t *img, uint32_t len, uint32_t chunk) {
  uint8_t begin[36], hash[32];
  sha(img, len, hash);
  begin[0] = (uint8_t)len; begin[1] = (uint8_t)(len >> 8); begin[2] = (uint8_t)(len >> 16); begin[3] = (uint8_t)(len >> 24);
  memcpy(begin + 4, hash, 32);
  send_req(FB_MSG_OTA_BEGIN, 1, begin, 36);
  frame_t f = last_answer();
  if (f.type == FB_MSG_ERROR) return f.payload[0];
  uint8_t slot = f.payload[0];
  uint32_t at = get32(f.payload + 4);
  static uint8_t data[4 + FB_CHUNK_MAX];
  while (at < len) {
    uint32_t n = len - at < chunk ? len - at : chunk;
    for (uint32_t i = 0; i < 4u; i++) data[i] = (uint8_t)(at >> (8u * i));
    memcpy(data + 4, img + at, n);
    send_req(FB_MSG_OTA_DATA, 2, data, 4 + n);
    f = last_answer();
    if (f.type == FB_MSG_ERROR) return f.payload[0];
    at = get32(f.payload);
  }
  send_req(FB_MSG_OTA_END, 3, NULL, 0);
  f = last_answer();
  if (f.type == FB_MSG_ERROR) return f.payload[0];
  send_req(FB_MSG_SET_BOOT, 4, &slot, 1);
  f = last_answer();
  return f.type == FB_MSG_ERROR ? f.payload[0] : 0;
}

static void status(fb_ota_status_t *s) { fb_ota_status(s); }

/* A FleetD STM32 image (IMAGE.md): the header fields the bridge reads, then a seeded payload. */
static void make_stm32_image(uint8_t *img, uint32_t len, const char *version, uint16_t dev_id, uint32_t secure, uint32_t seed) {
  for (uint32_t i = 0; i < len; i++) { seed = seed * 1103515245u + 12345u; img[i] = (uint8_t)(seed >> 16); }
  memset(img, 0, FB_STM32_HEADER_BYTES);
  uint32_t magic = FB_STM32_IMAGE_MAGIC, payload = len - FB_STM32_HEADER_BYTES;
  memcpy(img + FB_STM32_OFF_MAGIC, &magic, 4);
  img[FB_STM32_OFF_HEADER_VERSION] = FB_STM32_HEADER_VERSION;
  img[FB_STM32_OFF_HEADER_BYTES] = (uint8_t)FB_STM32_HEADER_BYTES; img[FB_STM32_OFF_HEADER_BYTES + 1] = (uint8_t)(FB_STM32_HEADER_BYTES >> 8);
  img[FB_STM32_OFF_DEV_ID] = (uint8_t)dev_id; img[FB_STM32_OFF_DEV_ID + 1] = (uint8_t)(dev_id >> 8);
  memcpy(img + FB_STM32_OFF_SECURE_VERSION, &secure, 4);
  memcpy(img + FB_STM32_OFF_PAYLOAD_BYTES, &payload, 4);
  strcpy((char *)img + FB_STM32_OFF_VERSION, version);
  strcpy((char *)img + FB_STM32_OFF_PROJECT, "fleet-app");
}

static uint8_t boot_as(uint16_t chip, uint8_t *reason) {
  fb_slots_init(SLOT_BYTES);
  fb_bridge_cfg_t cfg = { 0 };
  cfg.chip = chip;
  fb_bridge_init(&cfg);
  *reason = 0;
  return fb_slots_boot(reason);
}

/* An STM32 port (chip 0x8000 | DEV_ID 0x431, an STM32F411): versions and the secure version come
   from the FleetD STM32 header; another part's image and a non-image are refused unwritten. */
static void test_stm32_images(const char *flash) {
  static uint8_t v1[IMAGE_BYTES], v2[IMAGE_BYTES], bad[IMAGE_BYTES];
  const uint16_t chip = (uint16_t)(FB_CHIP_STM32_FLAG | 0x431u);
  make_stm32_image(v1, IMAGE_BYTES, "1.0.0", 0x431, 2, 21);
  make_stm32_image(v2, IMAGE_BYTES, "2.0.0", 0x431, 70000, 22);
  unlink(flash);
  CHECK(sim_flash_open(flash, FB_SLOTS_BASE + 2u * SLOT_BYTES) == 0);
  fb_slots_init(SLOT_BYTES);
  CHECK(fb_slots_install(0, v1, IMAGE_BYTES) == FB_OK);
  uint8_t reason, running = boot_as(chip, &reason);
  fb_ota_status_t s;
  status(&s);
  CHECK(running == 0 && !strcmp(s.version[0], "1.0.0") && s.secure_version == 2);
  make_stm32_image(bad, IMAGE_BYTES, "9.9.9", 0x415, 0, 23); /* an STM32L476 build */
  CHECK(ota(bad, IMAGE_BYTES, 512) == FB_ERR_WRONG_CHIP);
  make_image(bad, IMAGE_BYTES, "9.9.9", 0, 24); /* an ESP32 image */
  CHECK(ota(bad, IMAGE_BYTES, 512) == FB_ERR_BAD_IMAGE);
  uint8_t probe[16];
  fb_flash_read(fb_slots_base(1), probe, sizeof probe);
  CHECK(probe[0] == 0xFF && probe[15] == 0xFF);
  CHECK(ota(v2, IMAGE_BYTES, 1000) == 0);
  running = boot_as(chip, &reason);
  status(&s);
  /* A secure version over INFO's 16 bits saturates rather than wrapping to a smaller number. */
  CHECK(running == 1 && s.state[1] == FB_SLOT_PENDING_VERIFY && !strcmp(s.version[1], "2.0.0") && s.secure_version == 0xFFFF);
  sim_flash_close();
}

static void test_ota_states(const char *flash) {
  static uint8_t v1[IMAGE_BYTES], v2[IMAGE_BYTES], bad[IMAGE_BYTES];
  make_image(v1, IMAGE_BYTES, "1.0.0", 0, 1);
  make_image(v2, IMAGE_BYTES, "2.0.0", 0, 2);
  unlink(flash);
  CHECK(sim_flash_open(flash, FB_SLOTS_BASE + 2u * SLOT_BYTES) == 0);
  fb_slots_init(SLOT_BYTES);
  CHECK(fb_slots_install(0, v1, IMAGE_BYTES) == FB_OK);
  uint8_t reason, running = boot(&reason);
  fb_ota_status_t s;
  status(&s);
  CHECK(running == 0 && !strcmp(s.version[0], "1.0.0"));

  /* Wrong chip and a non-image are refused before anything is written. */
  make_image(bad, IMAGE_BYTES, "9.9.9", 9, 3);
  CHECK(ota(bad, IMAGE_BYTES, 512) == FB_ERR_WRONG_CHIP);
  bad[0] = 0x7f;
  CHECK(ota(bad, IMAGE_BYTES, 512) == FB_ERR_BAD_IMAGE);
  uint8_t probe[16];
  fb_flash_read(fb_slots_base(1), probe, sizeof probe);
  CHECK(probe[0] == 0xFF && probe[15] == 0xFF);
  uint8_t big[36] = { 0 };
  uint32_t big_len = SLOT_BYTES + 1u;
  memcpy(big, &big_len, 4);
  send_req(FB_MSG_OTA_BEGIN, 1, big, 36);
  frame_t tl = last_answer();
  CHECK(tl.type == FB_MSG_ERROR && tl.payload[0] == FB_ERR_TOO_LARGE && get32(tl.payload + 4) == SLOT_BYTES);

  /* Unconfirmed new image: the second boot rolls back. */
  CHECK(ota(v2, IMAGE_BYTES, 1000) == 0);
  running = boot(&reason);
  status(&s);
  CHECK(running == 1 && s.state[1] == FB_SLOT_PENDING_VERIFY && !strcmp(s.version[1], "2.0.0"));
  running = boot(&reason);
  status(&s);
  CHECK(running == 0 && reason == FB_BOOT_BOOTLOADER_ROLLBACK && s.state[1] == FB_SLOT_ABORTED);

  /* Confirmed: stays. Then ROLLBACK from the app goes back to the other VALID slot. */
  CHECK(ota(v2, IMAGE_BYTES, 512) == 0);
  running = boot(&reason);
  send_req(FB_MSG_CONFIRM, 5, NULL, 0);
  CHECK(last_answer().type == (FB_MSG_CONFIRM | FB_RESPONSE_BIT));
  running = boot(&reason);
  status(&s);
  CHECK(running == 1 && s.state[1] == FB_SLOT_VALID && s.state[0] == FB_SLOT_VALID);
  CHECK(send_req(FB_MSG_ROLLBACK, 6, NULL, 0) == FB_ACTION_ROLLBACK);
  running = boot(&reason);
  status(&s);
  CHECK(running == 0 && s.state[1] == FB_SLOT_INVALID);

  /* Out-of-order data is refused with the expected offset; a resend is acked again. */
  uint8_t begin[36];
  uint32_t len = IMAGE_BYTES;
  memcpy(begin, &len, 4);
  sha(v2, IMAGE_BYTES, begin + 4);
  send_req(FB_MSG_OTA_BEGIN, 1, begin, 36);
  last_answer();
  static uint8_t data[4 + 512];
  memcpy(data + 4, v2, 512);
  memset(data, 0, 4);
  send_req(FB_MSG_OTA_DATA, 2, data, 516);
  CHECK(get32(last_answer().payload) == 512);
  send_req(FB_MSG_OTA_DATA, 3, data, 516);
  CHECK(get32(last_answer().payload) == 512);
  data[1] = 4; /* offset 1024 */
  send_req(FB_MSG_OTA_DATA, 4, data, 516);
  frame_t f = last_answer();
  CHECK(f.type == FB_MSG_ERROR && f.payload[0] == FB_ERR_BAD_OFFSET && get32(f.payload + 4) == 512);
  send_req(FB_MSG_OTA_END, 5, NULL, 0);
  CHECK(last_answer().payload[0] == FB_ERR_BAD_STATE);
  /* Corrupt the slot behind the bridge's back: END's hash check catches it. */
  send_req(FB_MSG_OTA_ABORT, 6, NULL, 0);
  last_answer();
  sim_flash_close();
}

static jmp_buf g_cut;

static void test_power_cuts(const char *flash) {
  static uint8_t img[2][IMAGE_BYTES];
  make_image(img[0], IMAGE_BYTES, "1.0.0", 0, 11);
  make_image(img[1], IMAGE_BYTES, "2.0.0", 0, 12);
  unlink(flash);
  CHECK(sim_flash_open(flash, FB_SLOTS_BASE + 2u * SLOT_BYTES) == 0);
  fb_slots_init(SLOT_BYTES);
  CHECK(fb_slots_install(0, img[0], IMAGE_BYTES) == FB_OK);
  const uint32_t cuts = 60;
  volatile uint32_t rounds = 0, valid_boots = 0, boots = 0;
  sim_flash_power_cuts(20261125u, cuts, 40, &g_cut);
  setjmp(g_cut);
  while (sim_flash_cuts_done() < cuts && rounds < 1000u) {
    rounds++;
    uint8_t reason, running = boot(&reason);
    boots++;
    fb_ota_status_t s;
    status(&s);
    if (running != FB_NO_SLOT && (!strcmp(s.version[running], "1.0.0") || !strcmp(s.version[running], "2.0.0"))) valid_boots++;
    if (running == FB_NO_SLOT) {
      fprintf(stderr, "no bootable slot after cut %u: boot %u states %u/%u session %u\n", sim_flash_cuts_done(), s.boot_slot, s.state[0], s.state[1], s.session_active);
      break;
    }
    if (s.state[running] == FB_SLOT_PENDING_VERIFY) {
      CHECK(ota(img[0], IMAGE_BYTES, 512) == FB_ERR_BAD_STATE); /* the fallback is protected */
      send_req(FB_MSG_CONFIRM, 8, NULL, 0);
      last_answer();
    }
    uint32_t want = strcmp(s.version[running], "1.0.0") ? 0u : 1u;
    if (ota(img[want], IMAGE_BYTES, 512) == 0) {
      boot(&reason);
      send_req(FB_MSG_CONFIRM, 9, NULL, 0);
      last_answer();
    }
  }
  CHECK(sim_flash_cuts_done() == cuts);
  CHECK(valid_boots == boots);
  sim_flash_power_cuts(0, 0, 1, &g_cut);
  sim_flash_close();
}

int main(void) {
  char flash[] = "/tmp/fb-test-flash-XXXXXX";
  int fd = mkstemp(flash);
  if (fd < 0) return 2;
  close(fd);
  test_vectors();
  test_bad_frames();
  test_ota_states(flash);
  test_stm32_images(flash);
  test_power_cuts(flash);
  unlink(flash);
  /* fb-test-ecc: the same tests with the STM32L4 ECC program rule in the simulated flash. */
  printf("%s: %d passed, %d failed\n", FB_PROGRAM_ALIGN > 1 ? "fb-test-ecc" : "fb-test", g_passed, g_failed);
  return g_failed ? 1 : 0;
}
