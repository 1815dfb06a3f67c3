#include "delta_apply.h"

#include <string.h>

#include "sha2.h"

#define DELTA_HEADER_BYTES 44u
#define OP_END 0u
#define OP_COPY 1u
#define OP_ADD 2u
/* A varint of a 32-bit value takes at most 5 bytes. */
#define VARINT_BYTES_MAX 5u

typedef struct { const uint8_t *p; uint32_t left; } reader;

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24); }

static int read_varint(reader *r, uint32_t *out) {
  uint64_t value = 0;
  for (uint32_t i = 0; i < VARINT_BYTES_MAX; i++) {
    if (r->left == 0) return -1;
    uint8_t b = *r->p++;
    r->left--;
    value |= (uint64_t)(b & 0x7fu) << (7u * i);
    if ((b & 0x80u) == 0) {
      if (value > 0xffffffffull) return -1;
      *out = (uint32_t)value;
      return 0;
    }
  }
  return -1;
}

delta_status_t delta_apply(const uint8_t *delta, uint32_t delta_length, const uint8_t *base, uint32_t base_length,
                           uint8_t *target, uint32_t target_capacity, uint32_t *target_length) {
  if (delta_length < DELTA_HEADER_BYTES || memcmp(delta, "FLD1", 4) != 0) return DELTA_ERR_FORMAT;
  if (le32(delta + 4) != base_length) return DELTA_ERR_BASE;
  uint8_t digest[32];
  sha256(base, base_length, digest);
  if (memcmp(digest, delta + 8, 32) != 0) return DELTA_ERR_BASE;
  uint32_t want = le32(delta + 40);
  if (want > target_capacity) return DELTA_ERR_BOUNDS;
  reader r = { delta + DELTA_HEADER_BYTES, delta_length - DELTA_HEADER_BYTES };
  uint32_t written = 0;
  uint32_t base_cursor = 0;
  /* Each op writes at least one byte or ends: the loop is bounded by the target length. */
  for (uint32_t ops = 0; ops <= want; ops++) {
    if (r.left == 0) return DELTA_ERR_FORMAT;
    uint8_t op = *r.p++;
    r.left--;
    if (op == OP_END) {
      if (written != want) return DELTA_ERR_LENGTH;
      *target_length = written;
      return r.left == 0 ? DELTA_OK : DELTA_ERR_FORMAT;
    }
    uint32_t length;
    if (op == OP_COPY) {
      uint32_t zigzag;
      if (read_varint(&r, &zigzag) != 0 || read_varint(&r, &length) != 0) return DELTA_ERR_FORMAT;
      int64_t shift = (zigzag & 1u) ? -(int64_t)(zigzag >> 1) - 1 : (int64_t)(zigzag >> 1);
      int64_t from = (int64_t)base_cursor + shift;
      if (length == 0 || from < 0 || (uint64_t)from + length > base_length || (uint64_t)written + length > want) return DELTA_ERR_BOUNDS;
      memcpy(target + written, base + from, length);
      base_cursor = (uint32_t)from + length;
    } else if (op == OP_ADD) {
      if (read_varint(&r, &length) != 0) return DELTA_ERR_FORMAT;
      if (length == 0 || (uint64_t)written + length > want) return DELTA_ERR_BOUNDS;
      if (length > r.left) return DELTA_ERR_FORMAT;
      memcpy(target + written, r.p, length);
      r.p += length;
      r.left -= length;
    } else {
      return DELTA_ERR_FORMAT;
    }
    written += length;
  }
  return DELTA_ERR_FORMAT;
}
