#include "fuota_device.h"

#include <string.h>

#include "delta_apply.h"
#include "ed25519_verify.h"
#include "frag_decoder.h"
#include "lora_limits.h"
#include "sha2.h"

/* Envelope: "FLW1", kind, 3 reserved, version u32, image length u32, image SHA-256,
 * payload length u32, then a 64-byte Ed25519 signature over the 52 bytes before it. */
#define ENVELOPE_SIGNED_BYTES 52u
#define ENVELOPE_HEADER_BYTES (ENVELOPE_SIGNED_BYTES + 64u)
#define KIND_FULL 0u
#define KIND_DELTA 1u
#define MC_GROUPS 4u
#define SESSIONS 4u

typedef struct { bool defined; uint32_t addr; uint8_t key_encrypted[16]; uint32_t min_fcnt, max_fcnt; } mc_group_t;

static fuota_config_t cfg;
static mc_group_t groups[MC_GROUPS];
static frag_decoder_t decoder;
static bool session_active;
static bool session_done;
static uint8_t session_index;
static uint8_t session_groups; /* McGroupBitMask: fragments may come on these groups or unicast */
static uint8_t installed[IMAGE_BYTES_MAX];
/* What runs after an install (the "reboot" into it); cfg.image points here from then on. */
static uint8_t running[IMAGE_BYTES_MAX];
static uint32_t installed_length;
static uint32_t installed_version;

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24); }
static void put_le32(uint8_t *p, uint32_t v) { for (unsigned i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8u * i)); }

void fuota_init(const fuota_config_t *config) {
  cfg = *config;
  memset(groups, 0, sizeof(groups));
  session_active = false;
  session_done = false;
  installed_length = 0;
  installed_version = 0;
}

const uint8_t *fuota_installed(uint32_t *length, uint32_t *version) {
  *length = installed_length;
  *version = installed_version;
  return installed_length > 0 ? installed : NULL;
}

static uint8_t last_report[13];
static bool last_report_valid;

/* Port-210 report: result, version (LE), first 8 bytes of the image's SHA-256. */
static void report(fuota_result_t result, uint32_t version, const uint8_t *sha) {
  memset(last_report, 0, sizeof(last_report));
  last_report[0] = (uint8_t)result;
  put_le32(last_report + 1, version);
  if (sha) memcpy(last_report + 5, sha, 8);
  last_report_valid = true;
  cfg.send(FPORT_FLEET_REPORT, last_report, sizeof(last_report), cfg.context);
}

static fuota_result_t install(const uint8_t *block, uint32_t length, uint32_t *version, uint8_t sha_out[32]) {
  if (length < ENVELOPE_HEADER_BYTES || memcmp(block, "FLW1", 4) != 0) return FUOTA_BAD_ENVELOPE;
  uint8_t kind = block[4];
  *version = le32(block + 8);
  uint32_t image_length = le32(block + 12);
  const uint8_t *image_sha = block + 16;
  uint32_t payload_length = le32(block + 48);
  if ((uint64_t)ENVELOPE_HEADER_BYTES + payload_length != length || (kind != KIND_FULL && kind != KIND_DELTA)) return FUOTA_BAD_ENVELOPE;
  if (!ed25519_verify(block + ENVELOPE_SIGNED_BYTES, block, ENVELOPE_SIGNED_BYTES, cfg.public_key)) return FUOTA_BAD_SIGNATURE;
  /* Signed, so the version is the operator's: never go back (a replayed old image). */
  if (*version <= cfg.version) return FUOTA_OLDER_VERSION;
  if (image_length > IMAGE_BYTES_MAX) return FUOTA_TOO_LARGE;
  const uint8_t *payload = block + ENVELOPE_HEADER_BYTES;
  uint32_t built = 0;
  if (kind == KIND_FULL) {
    if (payload_length != image_length) return FUOTA_BAD_ENVELOPE;
    memcpy(installed, payload, payload_length);
    built = payload_length;
  } else {
    delta_status_t s = delta_apply(payload, payload_length, cfg.image, cfg.image_length, installed, IMAGE_BYTES_MAX, &built);
    if (s == DELTA_ERR_BASE) return FUOTA_DELTA_BASE;
    if (s != DELTA_OK || built != image_length) return FUOTA_DELTA_CORRUPT;
  }
  sha256(installed, built, sha_out);
  if (memcmp(sha_out, image_sha, 32) != 0) return FUOTA_HASH_MISMATCH;
  installed_length = built;
  installed_version = *version;
  /* The device boots what it installed: the next delta is against it, the next version above it. */
  memcpy(running, installed, built);
  cfg.image = running;
  cfg.image_length = built;
  cfg.version = *version;
  return FUOTA_INSTALLED;
}

static void on_fragmentation(bool multicast, const uint8_t *p, uint32_t n) {
  if (n < 1) return;
  uint8_t answer[5];
  switch (p[0]) {
    case 0x00: /* PackageVersionReq: fragmentation package (3), version 1 */
      answer[0] = 0x00; answer[1] = 3; answer[2] = 1;
      cfg.send(FPORT_FRAGMENTATION, answer, 3, cfg.context);
      return;
    case 0x02: { /* FragSessionSetupReq */
      if (n < 11) return;
      uint8_t index = (p[1] >> 4) & 3u;
      uint16_t nb_frag = (uint16_t)(p[2] | (p[3] << 8));
      uint8_t frag_size = p[4];
      uint8_t algo = (p[5] >> 3) & 7u;
      uint8_t status = (uint8_t)(index << 6);
      if (algo != 0) status |= 0x01;
      if (session_active && index != session_index) status |= 0x04;
      if ((uint32_t)nb_frag * frag_size > FRAG_BLOCK_BYTES_MAX) status |= 0x02;
      if ((status & 0x3f) == 0 && frag_decoder_init(&decoder, nb_frag, frag_size, p[6]) != FRAG_OK) status |= 0x02;
      if ((status & 0x3f) == 0) {
        session_active = true;
        session_done = false;
        last_report_valid = false;
        session_index = index;
        session_groups = p[1] & 0x0fu;
      }
      answer[0] = 0x02; answer[1] = status;
      if (!multicast) cfg.send(FPORT_FRAGMENTATION, answer, 2, cfg.context);
      return;
    }
    case 0x03: { /* FragSessionDeleteReq */
      if (n < 2) return;
      uint8_t index = p[1] & 3u;
      answer[0] = 0x03;
      answer[1] = (uint8_t)(index | ((session_active && index == session_index) ? 0 : 0x04));
      if (session_active && index == session_index) session_active = false;
      cfg.send(FPORT_FRAGMENTATION, answer, 2, cfg.context);
      return;
    }
    case 0x01: { /* FragSessionStatusReq */
      if (n < 2) return;
      uint8_t index = (p[1] >> 1) & 3u;
      bool everyone = p[1] & 1u;
      if (!session_active || index != session_index) return;
      if (frag_decoder_complete(&decoder) && !everyone) return;
      /* Asked again after completing: the report may have been lost on the way, send it again. */
      if (session_done && last_report_valid) cfg.send(FPORT_FLEET_REPORT, last_report, sizeof(last_report), cfg.context);
      uint16_t missing = frag_decoder_missing(&decoder);
      answer[0] = 0x01;
      answer[1] = (uint8_t)(decoder.received & 0xff);
      answer[2] = (uint8_t)(((decoder.received >> 8) & 0x3f) | (index << 6));
      answer[3] = missing > 255 ? 255 : (uint8_t)missing;
      answer[4] = decoder.matrix_full ? 1 : 0;
      cfg.send(FPORT_FRAGMENTATION, answer, 5, cfg.context);
      return;
    }
    case 0x08: { /* DataFragment */
      if (n < 3 || !session_active || session_done) return;
      uint16_t fn = (uint16_t)((p[1] | (p[2] << 8)) & 0x3fff);
      if ((p[2] >> 6) != session_index) return;
      (void)frag_decoder_push(&decoder, fn, p + 3, (uint16_t)(n - 3));
      if (frag_decoder_complete(&decoder)) {
        session_done = true;
        uint32_t length, version = 0;
        uint8_t sha[32] = {0};
        const uint8_t *block = frag_decoder_block(&decoder, &length);
        fuota_result_t result = install(block, length, &version, sha);
        report(result, version, result == FUOTA_INSTALLED ? sha : NULL);
      }
      return;
    }
    default:
      return;
  }
}

static void on_multicast_setup(const uint8_t *p, uint32_t n) {
  if (n < 1) return;
  uint8_t answer[5];
  switch (p[0]) {
    case 0x00:
      answer[0] = 0x00; answer[1] = 2; answer[2] = 1; /* multicast setup package (2), version 1 */
      cfg.send(FPORT_MULTICAST, answer, 3, cfg.context);
      return;
    case 0x02: { /* McGroupSetupReq */
      if (n < 30) return;
      uint8_t id = p[1] & 3u;
      groups[id].defined = true;
      groups[id].addr = le32(p + 2);
      memcpy(groups[id].key_encrypted, p + 6, 16);
      groups[id].min_fcnt = le32(p + 22);
      groups[id].max_fcnt = le32(p + 26);
      answer[0] = 0x02; answer[1] = id;
      cfg.send(FPORT_MULTICAST, answer, 2, cfg.context);
      return;
    }
    case 0x03: { /* McGroupDeleteReq */
      if (n < 2) return;
      uint8_t id = p[1] & 3u;
      answer[0] = 0x03; answer[1] = (uint8_t)(id | (groups[id].defined ? 0 : 0x04));
      groups[id].defined = false;
      cfg.send(FPORT_MULTICAST, answer, 2, cfg.context);
      return;
    }
    case 0x04: { /* McClassCSessionReq: the host reference starts the session at once */
      if (n < 11) return;
      uint8_t id = p[1] & 3u;
      if (!groups[id].defined) {
        answer[0] = 0x04; answer[1] = (uint8_t)(id | 0x10);
        cfg.send(FPORT_MULTICAST, answer, 2, cfg.context);
        return;
      }
      answer[0] = 0x04; answer[1] = id; answer[2] = 0; answer[3] = 0; answer[4] = 0;
      cfg.send(FPORT_MULTICAST, answer, 5, cfg.context);
      return;
    }
    default:
      return;
  }
}

void fuota_on_downlink(uint32_t addr, uint8_t fport, const uint8_t *payload, uint32_t length) {
  bool multicast = false;
  if (addr != cfg.dev_addr) {
    int group = -1;
    for (unsigned i = 0; i < MC_GROUPS; i++) {
      if (groups[i].defined && groups[i].addr == addr) group = (int)i;
    }
    if (group < 0) return; /* not for us */
    /* Multicast carries only fragmentation traffic of a session bound to that group. */
    if (fport != FPORT_FRAGMENTATION || !session_active || !((session_groups >> group) & 1u)) return;
    multicast = true;
  }
  if (fport == FPORT_FRAGMENTATION) on_fragmentation(multicast, payload, length);
  else if (fport == FPORT_MULTICAST && !multicast) on_multicast_setup(payload, length);
}
