#include "crc32.h"

/* Bitwise rather than a 1 KiB table: frames are small and RAM on an MCU is not. */
uint32_t fb_crc32(uint32_t crc, const uint8_t *data, uint32_t len) {
  crc = ~crc;
  for (uint32_t i = 0; i < len; i++) {
    crc ^= data[i];
    for (uint32_t k = 0; k < 8u; k++) crc = (crc & 1u) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
  }
  return ~crc;
}
