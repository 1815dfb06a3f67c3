/*
 * Host tests of the LoRa device reference: SHA-2 and Ed25519 against published vectors (FIPS
 * 180-2 examples, RFC 8032 section 7.1), the TS004 parity matrix against the brocaar/lorawan
 * reference parity fragments, decoding under a seeded loss schedule, and the delta applier's
 * bounds. Prints one line per check and "lora_host_tests: N passed, M failed".
 */
#include <stdio.h>
#include <string.h>

#include "delta_apply.h"
#include "ed25519_verify.h"
#include "frag_decoder.h"
#include "sha2.h"

static int passed, failed;

#define CHECK(cond, name) do { if (cond) { passed++; printf("ok   %s\n", name); } else { failed++; printf("FAIL %s (%s:%d)\n", name, __FILE__, __LINE__); } } while (0)

static void from_hex(const char *hex, uint8_t *out) {
  for (size_t i = 0; hex[2 * i] && hex[2 * i + 1]; i++) {
    unsigned v;
    sscanf(hex + 2 * i, "%2x", &v);
    out[i] = (uint8_t)v;
  }
}

static void test_sha2(void) {
  uint8_t out[64], want[64];
  sha256((const uint8_t *)"abc", 3, out);
  from_hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want);
  CHECK(memcmp(out, want, 32) == 0, "sha256(abc)");
  sha256((const uint8_t *)"", 0, out);
  from_hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want);
  CHECK(memcmp(out, want, 32) == 0, "sha256(empty)");
  sha512_ctx c;
  sha512_init(&c);
  sha512_update(&c, (const uint8_t *)"abc", 3);
  sha512_final(&c, out);
  from_hex("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f", want);
  CHECK(memcmp(out, want, 64) == 0, "sha512(abc)");
}

static void test_ed25519(void) {
  uint8_t pk[32], sig[64], msg[1];
  from_hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", pk);
  from_hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b", sig);
  CHECK(ed25519_verify(sig, msg, 0, pk), "ed25519 RFC 8032 test 1 verifies");
  sig[10] ^= 1;
  CHECK(!ed25519_verify(sig, msg, 0, pk), "ed25519 rejects an altered R");
  from_hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", pk);
  from_hex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00", sig);
  msg[0] = 0x72;
  CHECK(ed25519_verify(sig, msg, 1, pk), "ed25519 RFC 8032 test 2 verifies");
  msg[0] = 0x73;
  CHECK(!ed25519_verify(sig, msg, 1, pk), "ed25519 rejects an altered message");
  msg[0] = 0x72;
  /* S + L is the same point but not canonical: malleability must be refused. */
  static const uint8_t L[32] = { 0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };
  unsigned carry = 0;
  for (int i = 0; i < 32; i++) { unsigned v = sig[32 + i] + L[i] + carry; sig[32 + i] = (uint8_t)v; carry = v >> 8; }
  CHECK(!ed25519_verify(sig, msg, 1, pk), "ed25519 rejects a non-canonical S");
}

/* brocaar/lorawan applayer/fragmentation encode_test.go: data 0..99, size 10, redundancy 10. */
static const uint8_t REFERENCE_PARITY[10][10] = {
  {0x26, 0x26, 0x22, 0x22, 0x2e, 0x2e, 0x22, 0x22, 0x26, 0x26}, {0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x6a, 0x6b, 0x7c, 0x7d},
  {0x5c, 0x5d, 0x6e, 0x6f, 0x10, 0x11, 0x02, 0x03, 0x04, 0x05}, {0x36, 0x36, 0x32, 0x32, 0x3e, 0x3e, 0x22, 0x22, 0x36, 0x36},
  {0x3a, 0x3a, 0x0e, 0x0e, 0x0a, 0x0a, 0x06, 0x06, 0x0a, 0x0a}, {0x0e, 0x0e, 0x32, 0x32, 0x36, 0x36, 0x22, 0x22, 0x3e, 0x3e},
  {0x02, 0x02, 0x0e, 0x0e, 0x72, 0x72, 0x76, 0x76, 0x62, 0x62}, {0x1e, 0x1e, 0x1a, 0x1a, 0x66, 0x66, 0x5a, 0x5a, 0x4e, 0x4e},
  {0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x30, 0x31, 0x22, 0x23}, {0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x18, 0x19, 0x0a, 0x0b}
};

static uint32_t rng_state;
static uint32_t rng(void) { rng_state ^= rng_state << 13; rng_state ^= rng_state >> 17; rng_state ^= rng_state << 5; return rng_state; }

static uint8_t data[20000];
static uint8_t parity[1200][50];
static uint8_t line[4096];

static void encode(uint16_t m, uint16_t redundancy, uint8_t size) {
  for (uint16_t n = 1; n <= redundancy; n++) {
    frag_matrix_line(n, m, line);
    memset(parity[n - 1], 0, size);
    for (uint16_t c = 0; c < m; c++) {
      if (line[c]) for (uint8_t k = 0; k < size; k++) parity[n - 1][k] ^= data[c * size + k];
    }
  }
}

static void test_fragments(void) {
  for (int i = 0; i < 100; i++) data[i] = (uint8_t)i;
  encode(10, 10, 10);
  int same = 1;
  for (int n = 0; n < 10; n++) same &= memcmp(parity[n], REFERENCE_PARITY[n], 10) == 0;
  CHECK(same, "TS004 parity matches the reference vectors");

  frag_decoder_t d;
  CHECK(frag_decoder_init(&d, 10, 10, 0) == FRAG_OK, "init 10x10");
  /* Lose fragments 2 and 7; take the parity fragments until the block is rebuilt. */
  for (uint16_t n = 1; n <= 10; n++) if (n != 2 && n != 7) frag_decoder_push(&d, n, data + (n - 1) * 10, 10);
  CHECK(!frag_decoder_complete(&d) && frag_decoder_missing(&d) == 2, "two missing before parity");
  for (uint16_t n = 11; n <= 20 && !frag_decoder_complete(&d); n++) frag_decoder_push(&d, n, parity[n - 11], 10);
  uint32_t length;
  const uint8_t *block = frag_decoder_block(&d, &length);
  CHECK(frag_decoder_complete(&d) && length == 100 && memcmp(block, data, 100) == 0, "rebuilds the block after losing 2 of 10");

  /* 400 fragments of 50 bytes, 15% seeded loss, 25% redundancy: must rebuild. */
  rng_state = 12345;
  for (size_t i = 0; i < sizeof(data); i++) data[i] = (uint8_t)rng();
  encode(400, 100, 50);
  frag_decoder_init(&d, 400, 50, 0);
  for (uint16_t n = 1; n <= 500; n++) {
    if (rng() % 100 < 15) continue;
    frag_decoder_push(&d, n, n <= 400 ? data + (n - 1) * 50 : parity[n - 401], 50);
  }
  block = frag_decoder_block(&d, &length);
  CHECK(frag_decoder_complete(&d) && length == 20000 && memcmp(block, data, 20000) == 0, "rebuilds 400 fragments at 15% loss with 100 parity");

  /* 40% loss with the same redundancy: fewer fragments than the block has arrive. */
  rng_state = 777;
  frag_decoder_init(&d, 400, 50, 0);
  for (uint16_t n = 1; n <= 500; n++) {
    if (rng() % 100 < 40) continue;
    frag_decoder_push(&d, n, n <= 400 ? data + (n - 1) * 50 : parity[n - 401], 50);
  }
  CHECK(!frag_decoder_complete(&d) && frag_decoder_missing(&d) > 0, "reports missing fragments at 40% loss");
  CHECK(frag_decoder_push(&d, 1, data, 49) == FRAG_ERR_SIZE, "refuses a fragment of the wrong size");

  /* 1100 of 2000 fragments lost: more unknowns than FRAG_LOST_MAX rows; parity must be refused. */
  encode(2000, 1100, 10);
  frag_decoder_init(&d, 2000, 10, 0);
  for (uint16_t n = 1101; n <= 2000; n++) frag_decoder_push(&d, n, data + (n - 1) * 10, 10);
  frag_status_t last = FRAG_OK;
  for (uint16_t n = 2001; n <= 3100 && last == FRAG_OK; n++) last = frag_decoder_push(&d, n, parity[n - 2001], 10);
  CHECK(last == FRAG_ERR_MATRIX_FULL && d.matrix_full && !frag_decoder_complete(&d), "reports NotEnoughMatrixMemory beyond FRAG_LOST_MAX unknowns");
  CHECK(frag_decoder_init(&d, 0, 50, 0) == FRAG_ERR_PARAMS, "refuses NbFrag 0");
}

static void test_delta(void) {
  const uint8_t *base = (const uint8_t *)"hello world";
  uint8_t delta[80] = { 'F', 'L', 'D', '1', 11, 0, 0, 0 };
  sha256(base, 11, delta + 8);
  delta[40] = 11;
  /* COPY shift 0, length 6 ("hello "); ADD 5 "fleet"; END */
  const uint8_t ops[] = { 1, 0, 6, 2, 5, 'f', 'l', 'e', 'e', 't', 0 };
  memcpy(delta + 44, ops, sizeof(ops));
  uint8_t out[32];
  uint32_t n = 0;
  CHECK(delta_apply(delta, 44 + sizeof(ops), base, 11, out, sizeof(out), &n) == DELTA_OK && n == 11 && memcmp(out, "hello fleet", 11) == 0, "delta copy + add");
  CHECK(delta_apply(delta, 44 + sizeof(ops), (const uint8_t *)"hello World", 11, out, sizeof(out), &n) == DELTA_ERR_BASE, "delta refuses another base");
  delta[46] = 200; /* copy length 200: past the base */
  CHECK(delta_apply(delta, 44 + sizeof(ops), base, 11, out, sizeof(out), &n) == DELTA_ERR_BOUNDS, "delta refuses a copy past the base");
  delta[46] = 6;
  CHECK(delta_apply(delta, 44 + sizeof(ops) - 3, base, 11, out, sizeof(out), &n) == DELTA_ERR_FORMAT, "delta refuses a truncated delta");
}

int main(void) {
  test_sha2();
  test_ed25519();
  test_fragments();
  test_delta();
  printf("lora_host_tests: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
