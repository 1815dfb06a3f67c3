#ifndef FB_COBS_H
#define FB_COBS_H
#include <stdint.h>
/* Returns the encoded length, or 0 when out_cap is too small. No delimiter is written. */
uint32_t fb_cobs_encode(const uint8_t *in, uint32_t len, uint8_t *out, uint32_t out_cap);
/* Returns the decoded length, or -1 for invalid COBS or an output over out_cap. */
int32_t fb_cobs_decode(const uint8_t *in, uint32_t len, uint8_t *out, uint32_t out_cap);
#endif
