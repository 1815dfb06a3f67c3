#include "ed25519_verify.h"

#include <string.h>

#include "sha2.h"

/* A field element mod p = 2^255 - 19 as 16 signed limbs of 16 bits (radix 2^16). */
typedef int64_t fe[16];
typedef struct { fe x, y, z, t; } point;

/* L = 2^252 + 27742317777372353535851937790883648493, little endian. */
static const uint8_t ORDER_L[32] = {
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10
};

static void fe_set(fe o, int64_t v) { memset(o, 0, sizeof(fe)); o[0] = v; }
static void fe_copy(fe o, const fe a) { memcpy(o, a, sizeof(fe)); }

static void fe_carry(fe o) {
  for (int i = 0; i < 16; i++) {
    int64_t c = o[i] >> 16; /* arithmetic shift: floor division, keeps the limb in 0..65535 */
    o[i] -= c * 65536;
    if (i < 15) o[i + 1] += c; else o[0] += 38 * c; /* 2^256 = 38 mod p */
  }
}

static void fe_add(fe o, const fe a, const fe b) { for (int i = 0; i < 16; i++) o[i] = a[i] + b[i]; }
static void fe_sub(fe o, const fe a, const fe b) { for (int i = 0; i < 16; i++) o[i] = a[i] - b[i]; }

static void fe_mul(fe o, const fe a, const fe b) {
  int64_t t[31] = {0};
  for (int i = 0; i < 16; i++) {
    for (int j = 0; j < 16; j++) t[i + j] += a[i] * b[j];
  }
  for (int i = 0; i < 15; i++) t[i] += 38 * t[i + 16];
  for (int i = 0; i < 16; i++) o[i] = t[i];
  fe_carry(o);
  fe_carry(o);
}

static void fe_sq(fe o, const fe a) { fe_mul(o, a, a); }

/* a^(2^255 - 21) = a^-1. */
static void fe_inv(fe o, const fe a) {
  fe c;
  fe_copy(c, a);
  for (int i = 253; i >= 0; i--) {
    fe_sq(c, c);
    if (i != 2 && i != 4) fe_mul(c, c, a);
  }
  fe_copy(o, c);
}

/* a^((p - 5) / 8) = a^(2^252 - 3), the square-root helper. */
static void fe_pow2523(fe o, const fe a) {
  fe c;
  fe_copy(c, a);
  for (int i = 250; i >= 0; i--) {
    fe_sq(c, c);
    if (i != 1) fe_mul(c, c, a);
  }
  fe_copy(o, c);
}

/* Fully reduced little-endian bytes. */
static void fe_pack(uint8_t out[32], const fe a) {
  fe t, m;
  fe_copy(t, a);
  fe_carry(t);
  fe_carry(t);
  fe_carry(t);
  for (int pass = 0; pass < 2; pass++) {
    m[0] = t[0] - 0xffed;
    for (int i = 1; i < 15; i++) {
      m[i] = t[i] - 0xffff - ((m[i - 1] >> 16) & 1);
      m[i - 1] &= 0xffff;
    }
    m[15] = t[15] - 0x7fff - ((m[14] >> 16) & 1);
    int borrow = (int)((m[15] >> 16) & 1);
    m[14] &= 0xffff;
    if (!borrow) fe_copy(t, m); /* t >= p: keep t - p */
  }
  for (int i = 0; i < 16; i++) {
    out[2 * i] = (uint8_t)(t[i] & 0xff);
    out[2 * i + 1] = (uint8_t)(t[i] >> 8);
  }
}

static void fe_unpack(fe o, const uint8_t in[32]) {
  for (int i = 0; i < 16; i++) o[i] = in[2 * i] + ((int64_t)in[2 * i + 1] << 8);
  o[15] &= 0x7fff;
}

static bool fe_equal(const fe a, const fe b) {
  uint8_t x[32], y[32];
  fe_pack(x, a);
  fe_pack(y, b);
  return memcmp(x, y, 32) == 0;
}

static int fe_parity(const fe a) {
  uint8_t d[32];
  fe_pack(d, a);
  return d[0] & 1;
}

/* Curve constants, derived once from their definitions rather than typed in as limbs. */
static fe CONST_D, CONST_D2, CONST_I;
static point BASE;
static bool constants_ready;

static void point_add(point *p, const point *q) {
  fe a, b, c, d, e, f, g, h, t;
  fe_sub(a, p->y, p->x);
  fe_sub(t, q->y, q->x);
  fe_mul(a, a, t);
  fe_add(b, p->x, p->y);
  fe_add(t, q->x, q->y);
  fe_mul(b, b, t);
  fe_mul(c, p->t, q->t);
  fe_mul(c, c, CONST_D2);
  fe_mul(d, p->z, q->z);
  fe_add(d, d, d);
  fe_sub(e, b, a);
  fe_sub(f, d, c);
  fe_add(g, d, c);
  fe_add(h, b, a);
  fe_mul(p->x, e, f);
  fe_mul(p->y, h, g);
  fe_mul(p->z, g, f);
  fe_mul(p->t, e, h);
}

static void point_neutral(point *p) {
  fe_set(p->x, 0);
  fe_set(p->y, 1);
  fe_set(p->z, 1);
  fe_set(p->t, 0);
}

/* s · q for a 32-byte little-endian scalar (double-and-add; the inputs are public). */
static void point_scalarmult(point *out, const point *q, const uint8_t s[32]) {
  point r, addend = *q;
  point_neutral(&r);
  for (int i = 0; i < 256; i++) {
    if ((s[i / 8] >> (i % 8)) & 1) point_add(&r, &addend);
    point doubled = addend;
    point_add(&addend, &doubled);
  }
  *out = r;
}

static void point_pack(uint8_t out[32], const point *p) {
  fe zi, x, y;
  fe_inv(zi, p->z);
  fe_mul(x, p->x, zi);
  fe_mul(y, p->y, zi);
  fe_pack(out, y);
  out[31] ^= (uint8_t)(fe_parity(x) << 7);
}

/* Decodes a point; with `negate` returns -P (verification needs -A). False if not on the curve. */
static bool point_unpack(point *r, const uint8_t in[32], bool negate) {
  fe one, num, den, den2, den4, den6, t, chk;
  fe_set(one, 1);
  fe_set(r->z, 1);
  fe_unpack(r->y, in);
  fe_sq(num, r->y);
  fe_mul(den, num, CONST_D);
  fe_sub(num, num, one); /* y^2 - 1 */
  fe_add(den, one, den); /* d y^2 + 1 */
  fe_sq(den2, den);
  fe_sq(den4, den2);
  fe_mul(den6, den4, den2);
  fe_mul(t, den6, num);
  fe_mul(t, t, den); /* num · den^7 */
  fe_pow2523(t, t);
  fe_mul(t, t, num);
  fe_mul(t, t, den);
  fe_mul(t, t, den);
  fe_mul(r->x, t, den); /* x = num · den^3 · (num · den^7)^((p-5)/8) */
  fe_sq(chk, r->x);
  fe_mul(chk, chk, den);
  if (!fe_equal(chk, num)) fe_mul(r->x, r->x, CONST_I);
  fe_sq(chk, r->x);
  fe_mul(chk, chk, den);
  if (!fe_equal(chk, num)) return false;
  int want_odd = in[31] >> 7;
  if (negate) want_odd ^= 1;
  if (fe_parity(r->x) != want_odd) {
    fe zero;
    fe_set(zero, 0);
    fe_sub(r->x, zero, r->x);
  }
  fe_mul(r->t, r->x, r->y);
  return true;
}

static void init_constants(void) {
  if (constants_ready) return;
  fe num, den, inv, two, e;
  fe_set(num, -121665);
  fe_set(den, 121666);
  fe_inv(inv, den);
  fe_mul(CONST_D, num, inv); /* d = -121665 / 121666 */
  fe_add(CONST_D2, CONST_D, CONST_D);
  /* sqrt(-1) = 2^((p-1)/4); (p-1)/4 = 2^253 - 5: square-and-multiply on its bits. */
  fe_set(two, 2);
  fe_set(e, 1);
  for (int i = 252; i >= 0; i--) {
    fe_sq(e, e);
    if (i != 2) fe_mul(e, e, two); /* 2^253 - 5: bits 0..252 set except bit 2 */
  }
  fe_copy(CONST_I, e);
  /* The base point: y = 4/5, x even. */
  uint8_t encoded[32];
  fe four, five;
  fe_set(four, 4);
  fe_set(five, 5);
  fe_inv(inv, five);
  fe y;
  fe_mul(y, four, inv);
  fe_pack(encoded, y);
  constants_ready = true;
  (void)point_unpack(&BASE, encoded, false);
}

/* x (64 bytes, little endian) mod L by shift-and-subtract: slow, short and obviously right. */
static void reduce_mod_l(uint8_t out[32], const uint8_t x[64]) {
  uint8_t r[33] = {0};
  for (int bit = 511; bit >= 0; bit--) {
    unsigned carry = (x[bit / 8] >> (bit % 8)) & 1u;
    for (int i = 0; i < 33; i++) {
      unsigned v = ((unsigned)r[i] << 1) | carry;
      r[i] = (uint8_t)v;
      carry = v >> 8;
    }
    /* r >= L ? r -= L */
    uint8_t s[33];
    int borrow = 0;
    for (int i = 0; i < 33; i++) {
      int v = (int)r[i] - (i < 32 ? ORDER_L[i] : 0) - borrow;
      borrow = v < 0;
      s[i] = (uint8_t)(v + (borrow ? 256 : 0));
    }
    if (!borrow) memcpy(r, s, 33);
  }
  memcpy(out, r, 32);
}

static bool scalar_canonical(const uint8_t s[32]) {
  for (int i = 31; i >= 0; i--) {
    if (s[i] < ORDER_L[i]) return true;
    if (s[i] > ORDER_L[i]) return false;
  }
  return false; /* s == L */
}

bool ed25519_verify(const uint8_t signature[64], const uint8_t *message, size_t length, const uint8_t public_key[32]) {
  init_constants();
  if (!scalar_canonical(signature + 32)) return false;
  point minus_a;
  if (!point_unpack(&minus_a, public_key, true)) return false;
  uint8_t digest[64], h[32], check[32];
  sha512_ctx c;
  sha512_init(&c);
  sha512_update(&c, signature, 32);
  sha512_update(&c, public_key, 32);
  sha512_update(&c, message, length);
  sha512_final(&c, digest);
  reduce_mod_l(h, digest);
  point p, q;
  point_scalarmult(&p, &minus_a, h);       /* -h·A */
  point_scalarmult(&q, &BASE, signature + 32); /* S·B */
  point_add(&p, &q);
  point_pack(check, &p);                   /* R' = S·B - h·A must equal R */
  return memcmp(check, signature, 32) == 0;
}
