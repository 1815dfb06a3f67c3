/* FIPS 180-4 SHA-256 and SHA-512, written for this reference (no third-party code). */
#include "sha2.h"

#include <string.h>

#include "sha2_constants.h"

static uint32_t ror32(uint32_t x, unsigned n) { return (x >> n) | (x << (32u - n)); }
static uint64_t ror64(uint64_t x, unsigned n) { return (x >> n) | (x << (64u - n)); }

static void sha256_block(sha256_ctx *c, const uint8_t *p) {
  uint32_t w[64];
  for (unsigned i = 0; i < 16; i++) {
    w[i] = ((uint32_t)p[4 * i] << 24) | ((uint32_t)p[4 * i + 1] << 16) | ((uint32_t)p[4 * i + 2] << 8) | p[4 * i + 3];
  }
  for (unsigned i = 16; i < 64; i++) {
    uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t v[8];
  memcpy(v, c->h, sizeof(v));
  for (unsigned i = 0; i < 64; i++) {
    uint32_t s1 = ror32(v[4], 6) ^ ror32(v[4], 11) ^ ror32(v[4], 25);
    uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
    uint32_t t1 = v[7] + s1 + ch + SHA256_K[i] + w[i];
    uint32_t s0 = ror32(v[0], 2) ^ ror32(v[0], 13) ^ ror32(v[0], 22);
    uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
    memmove(&v[1], &v[0], 7 * sizeof(uint32_t));
    v[4] += t1;
    v[0] = t1 + s0 + maj;
  }
  for (unsigned i = 0; i < 8; i++) c->h[i] += v[i];
}

void sha256_init(sha256_ctx *c) {
  memcpy(c->h, SHA256_H0, sizeof(c->h));
  c->length = 0;
  c->used = 0;
}

void sha256_update(sha256_ctx *c, const uint8_t *data, size_t length) {
  c->length += length;
  while (length > 0) {
    size_t take = 64u - c->used < length ? 64u - c->used : length;
    memcpy(c->buffer + c->used, data, take);
    c->used += (uint32_t)take;
    data += take;
    length -= take;
    if (c->used == 64u) {
      sha256_block(c, c->buffer);
      c->used = 0;
    }
  }
}

void sha256_final(sha256_ctx *c, uint8_t out[32]) {
  uint64_t bits = c->length * 8u;
  uint8_t pad = 0x80;
  sha256_update(c, &pad, 1);
  pad = 0;
  while (c->used != 56u) sha256_update(c, &pad, 1);
  uint8_t len[8];
  for (unsigned i = 0; i < 8; i++) len[i] = (uint8_t)(bits >> (56u - 8u * i));
  sha256_update(c, len, 8);
  for (unsigned i = 0; i < 32; i++) out[i] = (uint8_t)(c->h[i / 4] >> (24u - 8u * (i % 4)));
}

void sha256(const uint8_t *data, size_t length, uint8_t out[32]) {
  sha256_ctx c;
  sha256_init(&c);
  sha256_update(&c, data, length);
  sha256_final(&c, out);
}

static void sha512_block(sha512_ctx *c, const uint8_t *p) {
  uint64_t w[80];
  for (unsigned i = 0; i < 16; i++) {
    w[i] = 0;
    for (unsigned k = 0; k < 8; k++) w[i] = (w[i] << 8) | p[8 * i + k];
  }
  for (unsigned i = 16; i < 80; i++) {
    uint64_t s0 = ror64(w[i - 15], 1) ^ ror64(w[i - 15], 8) ^ (w[i - 15] >> 7);
    uint64_t s1 = ror64(w[i - 2], 19) ^ ror64(w[i - 2], 61) ^ (w[i - 2] >> 6);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint64_t v[8];
  memcpy(v, c->h, sizeof(v));
  for (unsigned i = 0; i < 80; i++) {
    uint64_t s1 = ror64(v[4], 14) ^ ror64(v[4], 18) ^ ror64(v[4], 41);
    uint64_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
    uint64_t t1 = v[7] + s1 + ch + SHA512_K[i] + w[i];
    uint64_t s0 = ror64(v[0], 28) ^ ror64(v[0], 34) ^ ror64(v[0], 39);
    uint64_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
    memmove(&v[1], &v[0], 7 * sizeof(uint64_t));
    v[4] += t1;
    v[0] = t1 + s0 + maj;
  }
  for (unsigned i = 0; i < 8; i++) c->h[i] += v[i];
}

void sha512_init(sha512_ctx *c) {
  memcpy(c->h, SHA512_H0, sizeof(c->h));
  c->length = 0;
  c->used = 0;
}

void sha512_update(sha512_ctx *c, const uint8_t *data, size_t length) {
  c->length += length;
  while (length > 0) {
    size_t take = 128u - c->used < length ? 128u - c->used : length;
    memcpy(c->buffer + c->used, data, take);
    c->used += (uint32_t)take;
    data += take;
    length -= take;
    if (c->used == 128u) {
      sha512_block(c, c->buffer);
      c->used = 0;
    }
  }
}

void sha512_final(sha512_ctx *c, uint8_t out[64]) {
  uint64_t bits = c->length * 8u;
  uint8_t pad = 0x80;
  sha512_update(c, &pad, 1);
  pad = 0;
  while (c->used != 112u) sha512_update(c, &pad, 1);
  uint8_t len[16] = {0};
  for (unsigned i = 0; i < 8; i++) len[8 + i] = (uint8_t)(bits >> (56u - 8u * i));
  sha512_update(c, len, 16);
  for (unsigned i = 0; i < 64; i++) out[i] = (uint8_t)(c->h[i / 8] >> (56u - 8u * (i % 8)));
}
