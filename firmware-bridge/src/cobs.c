#include "cobs.h"

uint32_t fb_cobs_encode(const uint8_t *in, uint32_t len, uint8_t *out, uint32_t out_cap) {
  if (out_cap < len + len / 254u + 1u) return 0;
  uint32_t code_at = 0, o = 1;
  uint8_t code = 1;
  for (uint32_t i = 0; i < len; i++) {
    if (in[i] == 0) {
      out[code_at] = code;
      code_at = o++;
      code = 1;
      continue;
    }
    out[o++] = in[i];
    if (++code == 0xFFu) {
      out[code_at] = code;
      code_at = o++;
      code = 1;
    }
  }
  out[code_at] = code;
  return o;
}

int32_t fb_cobs_decode(const uint8_t *in, uint32_t len, uint8_t *out, uint32_t out_cap) {
  uint32_t i = 0, o = 0;
  while (i < len) {
    uint8_t code = in[i];
    if (code == 0 || i + code > len) return -1;
    for (uint32_t k = 1; k < code; k++) {
      if (in[i + k] == 0 || o >= out_cap) return -1;
      out[o++] = in[i + k];
    }
    i += code;
    if (code != 0xFFu && i < len) {
      if (o >= out_cap) return -1;
      out[o++] = 0;
    }
  }
  return (int32_t)o;
}
