/* SHA-256 (image hashes) and SHA-512 (inside Ed25519), one-shot and streaming; no allocation. */
#ifndef SHA2_H
#define SHA2_H
#include <stddef.h>
#include <stdint.h>

typedef struct { uint32_t h[8]; uint64_t length; uint8_t buffer[64]; uint32_t used; } sha256_ctx;
typedef struct { uint64_t h[8]; uint64_t length; uint8_t buffer[128]; uint32_t used; } sha512_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const uint8_t *data, size_t length);
void sha256_final(sha256_ctx *c, uint8_t out[32]);
void sha256(const uint8_t *data, size_t length, uint8_t out[32]);

void sha512_init(sha512_ctx *c);
void sha512_update(sha512_ctx *c, const uint8_t *data, size_t length);
void sha512_final(sha512_ctx *c, uint8_t out[64]);
#endif
