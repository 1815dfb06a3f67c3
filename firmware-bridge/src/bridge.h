/* The protocol engine: bytes in, answers out through fb_uart_write (PROTOCOL.md). */
#ifndef FB_BRIDGE_H
#define FB_BRIDGE_H
#include <stdint.h>

/* Provided by the port: writes bytes to the UART, blocking until queued. */
void fb_uart_write(const uint8_t *buf, uint32_t len);

typedef enum { FB_ACTION_NONE = 0, FB_ACTION_REBOOT = 1, FB_ACTION_ROLLBACK = 2 } fb_action_t;

/* chip: the ESP-IDF chip id (or FB_CHIP_STM32_FLAG | n); uid: the chip's unique id, NUL-padded
   (ESP32: the base MAC from eFuse, 6 bytes; STM32: the 96-bit UID), which the gateway turns into
   the MCU's stable fleet device id. All zero: the device has none (the gateway falls back). */
typedef struct { uint16_t chip; uint8_t uid[16]; } fb_bridge_cfg_t;

void fb_bridge_init(const fb_bridge_cfg_t *cfg);
/* Feeds received bytes; returns what the port must do once the answer is sent (reset or not). */
fb_action_t fb_bridge_feed(const uint8_t *buf, uint32_t len);
void fb_bridge_send_health(uint8_t running_slot, uint8_t state, uint8_t healthy, uint8_t reason, const char *version);
/* Counters for logs and tests. */
typedef struct { uint32_t frames, bad_crc, bad_frame, errors; } fb_bridge_stats_t;
const fb_bridge_stats_t *fb_bridge_stats(void);
#endif
