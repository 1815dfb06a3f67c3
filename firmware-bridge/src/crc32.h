#ifndef FB_CRC32_H
#define FB_CRC32_H
#include <stdint.h>
/* CRC-32 (IEEE 802.3, reflected); pass 0 as crc to start, the previous result to continue. */
uint32_t fb_crc32(uint32_t crc, const uint8_t *data, uint32_t len);
#endif
