/*
 * The LoRa end device's firmware-update logic: TS005 multicast groups (port 200), TS004
 * fragmentation sessions (port 201), and the FleetD firmware envelope in the rebuilt block:
 * signature check (Ed25519 over the envelope header, which carries the image's SHA-256),
 * optional delta against the running image, hash check, then a report on port 210.
 * Radio frames come in through fuota_on_downlink; answers leave through the send callback.
 */
#ifndef FUOTA_DEVICE_H
#define FUOTA_DEVICE_H
#include <stdbool.h>
#include <stdint.h>

#define FPORT_MULTICAST 200u
#define FPORT_FRAGMENTATION 201u
#define FPORT_FLEET_REPORT 210u

/* What the port-210 report says about the last block (first byte of the report). */
typedef enum {
  FUOTA_INSTALLED = 0,
  FUOTA_BAD_ENVELOPE = 1,
  FUOTA_BAD_SIGNATURE = 2,
  FUOTA_HASH_MISMATCH = 3,
  FUOTA_DELTA_BASE = 4,
  FUOTA_DELTA_CORRUPT = 5,
  FUOTA_TOO_LARGE = 6,
  FUOTA_OLDER_VERSION = 7
} fuota_result_t;

typedef void (*fuota_send_fn)(uint8_t fport, const uint8_t *payload, uint32_t length, void *context);

typedef struct {
  uint32_t dev_addr;
  uint8_t public_key[32];
  uint32_t version;                    /* version of the running image */
  const uint8_t *image;                /* the running image */
  uint32_t image_length;
  fuota_send_fn send;
  void *context;
} fuota_config_t;

void fuota_init(const fuota_config_t *config);
/* A frame the radio received for `addr` (the device's own address or a multicast group's). */
void fuota_on_downlink(uint32_t addr, uint8_t fport, const uint8_t *payload, uint32_t length);
/* The image installed by the last successful update, or NULL. */
const uint8_t *fuota_installed(uint32_t *length, uint32_t *version);
#endif
