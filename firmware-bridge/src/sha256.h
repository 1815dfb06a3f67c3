#ifndef FB_SHA256_H
#define FB_SHA256_H
#include <stdint.h>
typedef struct { uint32_t h[8]; uint64_t bytes; uint8_t block[64]; uint32_t used; } fb_sha256_t;
void fb_sha256_init(fb_sha256_t *s);
void fb_sha256_update(fb_sha256_t *s, const uint8_t *data, uint32_t len);
void fb_sha256_final(fb_sha256_t *s, uint8_t out[32]);
#endif
