/*
 * Applies a FleetD LoRa delta (format "FLD1", gateway/lora/DELTA.md) to the image the device
 * runs. Every offset and length is checked against both buffers before any byte moves.
 */
#ifndef DELTA_APPLY_H
#define DELTA_APPLY_H
#include <stdint.h>

typedef enum {
  DELTA_OK = 0,
  DELTA_ERR_FORMAT = 1,     /* bad magic, truncated, unknown op */
  DELTA_ERR_BASE = 2,       /* the base image is not the one the delta was made against */
  DELTA_ERR_BOUNDS = 3,     /* a copy or literal runs outside the base or the target */
  DELTA_ERR_LENGTH = 4      /* the ops do not produce exactly target_length bytes */
} delta_status_t;

delta_status_t delta_apply(const uint8_t *delta, uint32_t delta_length, const uint8_t *base, uint32_t base_length,
                           uint8_t *target, uint32_t target_capacity, uint32_t *target_length);
#endif
