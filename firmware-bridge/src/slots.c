#include "slots.h"
#include "crc32.h"
#include "flash_hal.h"
#include "sha256.h"
#include "stm32_image.h"
#include <assert.h>
#include <string.h>

#define META_MAGIC 0x314D4246u /* "FBM1" */
#define BOOT_ATTEMPTS_MAX 3u   /* both slots plus one re-check: the loop cannot cycle forever */
#define HASH_CHUNK 256u

typedef struct {
  uint32_t magic, seq;
  uint8_t boot_slot, state[2], session_active;
  uint8_t session_slot, pad[3];
  uint32_t session_size, session_durable;
  uint8_t session_sha[32];
  uint32_t slot_size[2];
  uint8_t slot_sha[2][32];
  uint32_t crc;
} meta_t;
_Static_assert(sizeof(meta_t) == 132, "meta_t has no padding");

/* All state is static: nothing is allocated after init (STYLE, C rules). */
static meta_t g_meta;
static uint32_t g_slot_bytes;
static uint8_t g_running = FB_NO_SLOT;
static uint8_t g_live;        /* a session is open in RAM (survives a link cut, not a reset) */
static uint32_t g_written;    /* bytes of the session written, valid while g_live */

uint32_t fb_slots_base(uint8_t slot) { return FB_SLOTS_BASE + (uint32_t)slot * g_slot_bytes; }

/* Records start at multiples of the program unit: on an ECC flash a unit is programmed once, so
   two records must never share one. */
#define RECORD_BYTES ((((uint32_t)sizeof(meta_t) + FB_PROGRAM_ALIGN - 1u) / FB_PROGRAM_ALIGN) * FB_PROGRAM_ALIGN)
#define RECORDS_PER_SECTOR (FB_SECTOR_BYTES / RECORD_BYTES)

/* Where the next record goes: records are appended to the active sector (programming erased
   bytes needs no erase), and only when it is full is the other sector erased and used. A
   4 KiB erase takes ~45 ms on SPI NOR, so erasing per record would stall every checkpoint. */
static uint32_t g_meta_sector;   /* FB_META_A or FB_META_B */
static uint32_t g_meta_next;     /* index of the next free record slot in it */

static int record_read(uint32_t addr, meta_t *m) {
  if (fb_flash_read(addr, (uint8_t *)m, sizeof *m) != 0) return 0;
  return m->magic == META_MAGIC && m->crc == fb_crc32(0, (const uint8_t *)m, sizeof *m - 4u);
}

static int record_erased(uint32_t addr) {
  uint8_t b[RECORD_BYTES];
  if (fb_flash_read(addr, b, sizeof b) != 0) return 0;
  for (uint32_t i = 0; i < sizeof b; i++) if (b[i] != 0xFFu) return 0;
  return 1;
}

/* Scans both sectors: the valid record with the highest seq wins (a torn one fails its CRC). */
static int meta_load(meta_t *best) {
  int found = 0;
  meta_t m;
  for (uint32_t sector = FB_META_A; sector <= FB_META_B; sector += FB_SECTOR_BYTES) {
    for (uint32_t i = 0; i < RECORDS_PER_SECTOR; i++) {
      uint32_t addr = sector + i * RECORD_BYTES;
      if (!record_read(addr, &m)) continue;
      if (!found || m.seq > best->seq) { *best = m; found = 1; g_meta_sector = sector; }
    }
  }
  if (!found) { g_meta_sector = FB_META_A; g_meta_next = 0; return 0; }
  /* Append after the last slot that is not erased (torn or valid) in the winning sector. */
  g_meta_next = RECORDS_PER_SECTOR;
  for (uint32_t i = RECORDS_PER_SECTOR; i > 0; i--) {
    if (!record_erased(g_meta_sector + (i - 1u) * RECORD_BYTES)) break;
    g_meta_next = i - 1u;
  }
  return 1;
}

static int meta_store(void) {
  g_meta.seq++;
  g_meta.crc = fb_crc32(0, (const uint8_t *)&g_meta, sizeof g_meta - 4u);
  if (g_meta_next >= RECORDS_PER_SECTOR) {
    /* The active sector is full: the other one takes the next record; the full one keeps the
       current record until the new one is written, so a cut here loses nothing. */
    uint32_t other = g_meta_sector == FB_META_A ? FB_META_B : FB_META_A;
    if (fb_flash_erase_sector(other) != 0) return FB_ERR_FLASH;
    g_meta_sector = other;
    g_meta_next = 0;
  }
  uint32_t addr = g_meta_sector + g_meta_next * RECORD_BYTES;
  g_meta_next++;
  if (fb_flash_program(addr, (const uint8_t *)&g_meta, sizeof g_meta) != 0) return FB_ERR_FLASH;
  return FB_OK;
}

void fb_slots_init(uint32_t slot_bytes) {
  assert(slot_bytes > 0 && slot_bytes % FB_SECTOR_BYTES == 0);
  g_slot_bytes = slot_bytes;
  if (!meta_load(&g_meta)) {
    memset(&g_meta, 0, sizeof g_meta);
    g_meta.magic = META_MAGIC;
    /* A blank part: make sure the first record lands on erased flash. */
    if (!record_erased(FB_META_A)) { (void)fb_flash_erase_sector(FB_META_A); }
  }
  g_running = FB_NO_SLOT;
  g_live = 0;
  g_written = 0;
}

static int erase_range(uint8_t slot, uint32_t from, uint32_t to) {
  uint32_t base = fb_slots_base(slot);
  for (uint32_t at = from - from % FB_SECTOR_BYTES; at < to; at += FB_SECTOR_BYTES) {
    if (fb_flash_erase_sector(base + at) != 0) return FB_ERR_FLASH;
  }
  return FB_OK;
}

static int slot_hash(uint8_t slot, uint32_t size, uint8_t out[32]) {
  static uint8_t buf[HASH_CHUNK];
  fb_sha256_t s;
  fb_sha256_init(&s);
  for (uint32_t at = 0; at < size; at += HASH_CHUNK) {
    uint32_t n = size - at < HASH_CHUNK ? size - at : HASH_CHUNK;
    if (fb_flash_read(fb_slots_base(slot) + at, buf, n) != 0) return FB_ERR_FLASH;
    fb_sha256_update(&s, buf, n);
  }
  fb_sha256_final(&s, out);
  return FB_OK;
}

static int slot_intact(uint8_t slot) {
  uint8_t sha[32];
  uint32_t size = g_meta.slot_size[slot];
  if (size == 0 || size > g_slot_bytes) return 0;
  return slot_hash(slot, size, sha) == FB_OK && memcmp(sha, g_meta.slot_sha[slot], 32) == 0;
}

uint8_t fb_slots_boot(uint8_t *reason) {
  for (uint32_t attempt = 0; attempt < BOOT_ATTEMPTS_MAX; attempt++) {
    uint8_t b = g_meta.boot_slot & 1u, other = (uint8_t)(1u - b);
    uint8_t st = g_meta.state[b];
    if (st == FB_SLOT_PENDING_VERIFY) {
      /* Booted before and never confirmed: the app failed its health check or crashed. */
      g_meta.state[b] = FB_SLOT_ABORTED;
      g_meta.boot_slot = other;
      *reason = FB_BOOT_BOOTLOADER_ROLLBACK;
      (void)meta_store();
      continue;
    }
    if (st != FB_SLOT_NEW && st != FB_SLOT_VALID) {
      if (g_meta.state[other] != FB_SLOT_VALID) break;
      g_meta.boot_slot = other;
      (void)meta_store();
      continue;
    }
    if (!slot_intact(b)) {
      g_meta.state[b] = FB_SLOT_INVALID;
      g_meta.boot_slot = other;
      *reason = FB_BOOT_BOOTLOADER_ROLLBACK;
      (void)meta_store();
      continue;
    }
    if (st == FB_SLOT_NEW) {
      g_meta.state[b] = FB_SLOT_PENDING_VERIFY;
      if (meta_store() != FB_OK) continue;
    }
    g_running = b;
    return b;
  }
  g_running = FB_NO_SLOT;
  return FB_NO_SLOT;
}

void fb_slots_resume(uint8_t running) {
  g_running = running <= 1u && (g_meta.state[running] == FB_SLOT_VALID || g_meta.state[running] == FB_SLOT_PENDING_VERIFY) ? running : FB_NO_SLOT;
}

int fb_slots_install(uint8_t slot, const uint8_t *image, uint32_t len) {
  if (slot > 1u || len == 0 || len > g_slot_bytes) return FB_ERR_TOO_LARGE;
  int rc = erase_range(slot, 0, len);
  for (uint32_t at = 0; rc == FB_OK && at < len; at += HASH_CHUNK) {
    uint32_t n = len - at < HASH_CHUNK ? len - at : HASH_CHUNK;
    if (fb_flash_program(fb_slots_base(slot) + at, image + at, n) != 0) rc = FB_ERR_FLASH;
  }
  if (rc != FB_OK) return rc;
  g_meta.slot_size[slot] = len;
  if ((rc = slot_hash(slot, len, g_meta.slot_sha[slot])) != FB_OK) return rc;
  g_meta.state[slot] = FB_SLOT_VALID;
  g_meta.boot_slot = slot;
  return meta_store();
}

/* Where a slot's version and secure version live: in an ESP-IDF image's esp_app_desc_t (after
   the 24-byte image header and the first 8-byte segment header), or in the FleetD STM32 image
   header (stm32_image.h). 0: neither (an empty slot or a raw binary). */
typedef struct { uint32_t version_at, secure_at, secure_bytes; } desc_at_t;

static int slot_desc(uint8_t slot, desc_at_t *d) {
  uint8_t head[4] = { 0, 0, 0, 0 };
  if (g_meta.state[slot] == FB_SLOT_EMPTY) return 0;
  if (fb_flash_read(fb_slots_base(slot), head, sizeof head) != 0) return 0;
  uint32_t magic = (uint32_t)head[0] | ((uint32_t)head[1] << 8) | ((uint32_t)head[2] << 16) | ((uint32_t)head[3] << 24);
  if (head[0] == FB_ESP_IMAGE_MAGIC && g_meta.slot_size[slot] >= 80u) {
    d->version_at = 48u; d->secure_at = 36u; d->secure_bytes = 2u; /* esp_app_desc_t.secure_version (low half) */
    return 1;
  }
  if (magic == FB_STM32_IMAGE_MAGIC && g_meta.slot_size[slot] >= FB_STM32_HEADER_BYTES) {
    d->version_at = FB_STM32_OFF_VERSION; d->secure_at = FB_STM32_OFF_SECURE_VERSION; d->secure_bytes = 4u;
    return 1;
  }
  return 0;
}

static void read_version(uint8_t slot, char out[FB_VERSION_BYTES]) {
  desc_at_t d;
  memset(out, 0, FB_VERSION_BYTES);
  if (!slot_desc(slot, &d)) return;
  (void)fb_flash_read(fb_slots_base(slot) + d.version_at, (uint8_t *)out, FB_VERSION_BYTES);
  out[FB_VERSION_BYTES - 1] = 0;
}

void fb_ota_status(fb_ota_status_t *o) {
  memset(o, 0, sizeof *o);
  o->running_slot = g_running;
  o->boot_slot = g_meta.boot_slot;
  o->state[0] = g_meta.state[0];
  o->state[1] = g_meta.state[1];
  o->slot_bytes = g_slot_bytes;
  o->session_active = g_meta.session_active;
  o->session_slot = g_meta.session_slot;
  o->session_size = g_meta.session_size;
  o->session_offset = g_live ? g_written : g_meta.session_durable;
  memcpy(o->session_sha, g_meta.session_sha, 32);
  desc_at_t d;
  if (g_running != FB_NO_SLOT && slot_desc(g_running, &d)) {
    uint8_t sv[4] = { 0, 0, 0, 0 };
    (void)fb_flash_read(fb_slots_base(g_running) + d.secure_at, sv, d.secure_bytes);
    uint32_t v = (uint32_t)sv[0] | ((uint32_t)sv[1] << 8) | ((uint32_t)sv[2] << 16) | ((uint32_t)sv[3] << 24);
    /* INFO carries 16 bits: a larger number saturates, so the gateway still refuses older images. */
    o->secure_version = (uint16_t)(v > 0xFFFFu ? 0xFFFFu : v);
  }
  read_version(0, o->version[0]);
  read_version(1, o->version[1]);
}

int fb_ota_begin(uint32_t size, const uint8_t sha[32], uint8_t *slot, uint32_t *offset) {
  if (size == 0 || size > g_slot_bytes) return FB_ERR_TOO_LARGE;
  /* As esp_ota_begin: while the running image is unconfirmed the other slot is the only way
     back, so it must not be overwritten (CONFIRM or ROLLBACK first). */
  if (g_running != FB_NO_SLOT && g_meta.state[g_running] == FB_SLOT_PENDING_VERIFY) return FB_ERR_BAD_STATE;
  uint8_t target = g_running == FB_NO_SLOT ? 0u : (uint8_t)(1u - g_running);
  *slot = target;
  if (g_meta.session_active && g_meta.session_slot == target && g_meta.session_size == size &&
      memcmp(g_meta.session_sha, sha, 32) == 0) {
    if (!g_live) {
      /* After a reset only the recorded sector boundary is trusted: erase from there on. */
      g_written = g_meta.session_durable;
      int rc = erase_range(target, g_written, size);
      if (rc != FB_OK) return rc;
      g_live = 1;
    }
    *offset = g_written;
    return FB_OK;
  }
  g_meta.session_active = 1;
  g_meta.session_slot = target;
  g_meta.session_size = size;
  g_meta.session_durable = 0;
  memcpy(g_meta.session_sha, sha, 32);
  g_meta.state[target] = FB_SLOT_EMPTY;
  g_meta.slot_size[target] = 0;
  if (g_meta.boot_slot == target && g_running != FB_NO_SLOT) g_meta.boot_slot = g_running;
  int rc = meta_store();
  if (rc == FB_OK) rc = erase_range(target, 0, size);
  if (rc != FB_OK) return rc;
  g_written = 0;
  g_live = 1;
  *offset = 0;
  return FB_OK;
}

int fb_ota_write(uint32_t offset, const uint8_t *data, uint32_t len, uint32_t *next) {
  *next = g_written;
  if (!g_meta.session_active || !g_live) return FB_ERR_NO_SESSION;
  if (offset < g_written && offset + len <= g_written) return FB_OK; /* a resend: ack again */
  if (offset != g_written) return FB_ERR_BAD_OFFSET;
  if (len == 0 || offset + len > g_meta.session_size) return FB_ERR_BAD_LENGTH;
  if (fb_flash_program(fb_slots_base(g_meta.session_slot) + offset, data, len) != 0) return FB_ERR_FLASH;
  g_written = offset + len;
  *next = g_written;
  uint32_t sector_done = g_written - g_written % FB_SECTOR_BYTES;
  if (sector_done > g_meta.session_durable) {
    g_meta.session_durable = sector_done;
    if (meta_store() != FB_OK) return FB_ERR_FLASH;
  }
  return FB_OK;
}

int fb_ota_end(void) {
  if (!g_meta.session_active || !g_live) return FB_ERR_NO_SESSION;
  if (g_written != g_meta.session_size) return FB_ERR_BAD_STATE;
  uint8_t target = g_meta.session_slot, sha[32];
  int rc = slot_hash(target, g_meta.session_size, sha);
  if (rc != FB_OK) return rc;
  g_meta.session_active = 0;
  g_live = 0;
  if (memcmp(sha, g_meta.session_sha, 32) != 0) {
    (void)meta_store();
    return FB_ERR_HASH_MISMATCH;
  }
  g_meta.slot_size[target] = g_meta.session_size;
  memcpy(g_meta.slot_sha[target], sha, 32);
  g_meta.state[target] = FB_SLOT_WRITTEN;
  return meta_store();
}

int fb_ota_abort(void) {
  g_live = 0;
  if (!g_meta.session_active) return FB_OK;
  g_meta.session_active = 0;
  return meta_store();
}

int fb_ota_set_boot(uint8_t slot) {
  if (slot > 1u) return FB_ERR_BAD_SLOT;
  uint8_t st = g_meta.state[slot];
  if (st == FB_SLOT_WRITTEN) g_meta.state[slot] = FB_SLOT_NEW;
  else if (st != FB_SLOT_VALID && st != FB_SLOT_NEW) return FB_ERR_BAD_SLOT;
  g_meta.boot_slot = slot;
  return meta_store();
}

int fb_ota_confirm(void) {
  if (g_running == FB_NO_SLOT) return FB_ERR_BAD_STATE;
  if (g_meta.state[g_running] == FB_SLOT_VALID) return FB_OK;
  if (g_meta.state[g_running] != FB_SLOT_PENDING_VERIFY) return FB_ERR_BAD_STATE;
  g_meta.state[g_running] = FB_SLOT_VALID;
  return meta_store();
}

int fb_ota_mark_invalid(void) {
  if (g_running == FB_NO_SLOT) return FB_ERR_BAD_STATE;
  uint8_t other = (uint8_t)(1u - g_running);
  if (g_meta.state[other] != FB_SLOT_VALID) return FB_ERR_BAD_STATE;
  g_meta.state[g_running] = FB_SLOT_INVALID;
  g_meta.boot_slot = other;
  return meta_store();
}
