/*
 * fb-host: the firmware bridge built for Linux, an MCU simulated around the same C: the flash is
 * a file (sim_flash.c), the UART a pty or stdio, a reset re-runs the bootloader with RAM state
 * cleared. The "app" of a slot is simulated from its esp_app_desc_t project name: "fb-crash"
 * resets before reporting health (a crash loop), "fb-unhealthy" reports unhealthy; anything
 * else is healthy (an STM32 image: the project field of its FleetD header). --chip 0x8431 poses
 * as an STM32F411 (FB_CHIP_STM32_FLAG | DEV_ID), taking FleetD STM32 images (IMAGE.md). --uid is the chip's unique id INFO reports (an ESP32's MAC, e.g.
 * 24:6f:28:00:00:01; colons optional, up to 16 bytes); without it, a simulated MAC is derived
 * from the flash file's path (FNV-1a), so one flash file is one chip across restarts.
 *
 *   fb-host --flash F [--slot-kib N] [--chip N] [--uid HEX] [--port PATH] [--baud N]
 *           [--install IMAGE] [--power-cuts SEED:COUNT:GAP] [--flash-timing PROG_US_PER_KIB:ERASE_US]
 */
#include "../src/bridge.h"
#include "../src/flash_hal.h"
#include "../src/protocol.h"
#include "../src/slots.h"
#include "../src/stm32_image.h"
#include "sim_flash.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define REOPEN_ATTEMPTS_MAX 200u /* 200 x 50 ms: a re-enumerating USB-serial adapter comes back within 10 s */
#define REOPEN_DELAY_US 50000u
#define RX_CHUNK 512u
#define IMAGE_MAX (4u * 1024u * 1024u)

static int g_in = 0, g_out = 1;
static const char *g_port;
static uint32_t g_baud;
static jmp_buf g_power;

static void sleep_us(uint64_t us) {
  struct timespec ts = { (time_t)(us / 1000000u), (long)(us % 1000000u) * 1000L };
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

static int open_port(void) {
  for (uint32_t i = 0; i < REOPEN_ATTEMPTS_MAX; i++) {
    int fd = open(g_port, O_RDWR | O_NOCTTY);
    if (fd >= 0) {
      struct termios t;
      if (tcgetattr(fd, &t) == 0) { cfmakeraw(&t); (void)tcsetattr(fd, TCSANOW, &t); }
      g_in = g_out = fd;
      return 0;
    }
    sleep_us(REOPEN_DELAY_US);
  }
  return -1;
}

void fb_uart_write(const uint8_t *buf, uint32_t len) {
  uint32_t done = 0;
  while (done < len) {
    ssize_t n = write(g_out, buf + done, len - done);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return; /* the line is down: the gateway times out and resends */
    }
    done += (uint32_t)n;
  }
  /* Pace at the line rate so a benchmark sees the UART's speed, not the pty's. */
  if (g_baud) sleep_us((uint64_t)len * 10u * 1000000u / g_baud);
}

/* Reads the running slot's project name to simulate its app: esp_app_desc_t.project_name
   (offset 32 + 48) of an ESP-IDF image, or the project field of a FleetD STM32 header. */
static void app_project(uint8_t slot, char out[33]) {
  uint8_t head[4] = { 0, 0, 0, 0 };
  memset(out, 0, 33);
  if (slot == FB_NO_SLOT) return;
  (void)fb_flash_read(fb_slots_base(slot), head, sizeof head);
  uint32_t magic = (uint32_t)head[0] | ((uint32_t)head[1] << 8) | ((uint32_t)head[2] << 16) | ((uint32_t)head[3] << 24);
  uint32_t at = magic == FB_STM32_IMAGE_MAGIC ? FB_STM32_OFF_PROJECT : 80u;
  (void)fb_flash_read(fb_slots_base(slot) + at, (uint8_t *)out, 32);
}

static int parse_uid(const char *text, uint8_t out[FB_UID_BYTES]) {
  uint32_t n = 0;
  memset(out, 0, FB_UID_BYTES);
  for (const char *c = text; *c; ) {
    if (*c == ':' || *c == '-') { c++; continue; }
    unsigned v = 0;
    if (n >= FB_UID_BYTES || sscanf(c, "%2x", &v) != 1 || !c[1] || c[1] == ':') return -1;
    out[n++] = (uint8_t)v;
    c += 2;
  }
  return n ? 0 : -1;
}

/* A simulated ESP32 MAC (Espressif's OUI 24:6f:28) from the flash file's path. */
static void default_uid(const char *flash, uint8_t out[FB_UID_BYTES]) {
  uint32_t h = 2166136261u;
  for (const char *c = flash; *c; c++) h = (h ^ (uint8_t)*c) * 16777619u;
  memset(out, 0, FB_UID_BYTES);
  out[0] = 0x24; out[1] = 0x6f; out[2] = 0x28;
  out[3] = (uint8_t)(h >> 16); out[4] = (uint8_t)(h >> 8); out[5] = (uint8_t)h;
}

static int install(const char *path) {
  static uint8_t image[IMAGE_MAX];
  FILE *f = fopen(path, "rb");
  if (!f) { fprintf(stderr, "fb-host: cannot open %s: %s\n", path, strerror(errno)); return 2; }
  size_t n = fread(image, 1, sizeof image, f);
  fclose(f);
  int rc = fb_slots_install(0, image, (uint32_t)n);
  if (rc) fprintf(stderr, "fb-host: install failed with code %d\n", rc);
  return rc ? 1 : 0;
}

int main(int argc, char **argv) {
  static const char *flash = NULL, *image = NULL;
  static uint32_t slot_kib = 256, chip = 0, cut_seed = 0, cut_count = 0, cut_gap = 0;
  static uint8_t uid[FB_UID_BYTES];
  static int uid_given = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) { fprintf(stderr, "fb-host: %s needs a value\n", a); return 2; }
    if (!strcmp(a, "--flash")) flash = v;
    else if (!strcmp(a, "--slot-kib")) slot_kib = (uint32_t)strtoul(v, NULL, 0);
    else if (!strcmp(a, "--chip")) chip = (uint32_t)strtoul(v, NULL, 0);
    else if (!strcmp(a, "--uid")) {
      if (parse_uid(v, uid) != 0) { fprintf(stderr, "fb-host: --uid takes 1-16 bytes in hex, e.g. 24:6f:28:00:00:01\n"); return 2; }
      uid_given = 1;
    }
    else if (!strcmp(a, "--port")) g_port = v;
    else if (!strcmp(a, "--baud")) g_baud = (uint32_t)strtoul(v, NULL, 0);
    else if (!strcmp(a, "--install")) image = v;
    else if (!strcmp(a, "--flash-timing")) {
      unsigned prog = 0, erase = 0;
      if (sscanf(v, "%u:%u", &prog, &erase) != 2) { fprintf(stderr, "fb-host: --flash-timing PROGRAM_US_PER_KIB:ERASE_US_PER_SECTOR\n"); return 2; }
      sim_flash_timing(prog, erase);
    }
    else if (!strcmp(a, "--power-cuts")) {
      if (sscanf(v, "%u:%u:%u", &cut_seed, &cut_count, &cut_gap) != 3) { fprintf(stderr, "fb-host: --power-cuts SEED:COUNT:GAP\n"); return 2; }
    } else { fprintf(stderr, "fb-host: unknown option %s\n", a); return 2; }
    i++;
  }
  if (!flash || slot_kib == 0 || slot_kib % 4u) { fprintf(stderr, "fb-host: --flash FILE is required; --slot-kib must be a multiple of 4\n"); return 2; }
  static uint32_t slot_bytes;
  slot_bytes = slot_kib * 1024u;
  if (sim_flash_open(flash, FB_SLOTS_BASE + 2u * slot_bytes) != 0) { fprintf(stderr, "fb-host: cannot open flash %s\n", flash); return 2; }
  fb_slots_init(slot_bytes);
  if (image) return install(image);
  if (!uid_given) default_uid(flash, uid);
  if (g_port && open_port() != 0) { fprintf(stderr, "fb-host: cannot open %s\n", g_port); return 2; }

  static uint8_t rx[RX_CHUNK];
  volatile uint8_t reason = FB_BOOT_POWER_ON;
  if (setjmp(g_power)) reason = FB_BOOT_POWER_ON; /* power came back: RAM is gone */
  if (cut_count) sim_flash_power_cuts(cut_seed + sim_flash_cuts_done(), cut_count - sim_flash_cuts_done(), cut_gap, &g_power);
  for (;;) {
    fb_slots_init(slot_bytes);
    fb_bridge_cfg_t cfg;
    cfg.chip = (uint16_t)chip;
    memcpy(cfg.uid, uid, sizeof cfg.uid);
    fb_bridge_init(&cfg);
    uint8_t why = reason;
    uint8_t running = fb_slots_boot(&why);
    fb_ota_status_t st;
    fb_ota_status(&st);
    char project[33];
    app_project(running, project);
    fprintf(stderr, "fb-host: boot slot %d reason %u project '%s' version '%s'\n", running == FB_NO_SLOT ? -1 : running, why, project,
            running == FB_NO_SLOT ? "" : st.version[running]);
    if (running != FB_NO_SLOT && !strcmp(project, "fb-crash")) { reason = FB_BOOT_POWER_ON; continue; }
    fb_bridge_send_health(running, running == FB_NO_SLOT ? FB_SLOT_EMPTY : st.state[running],
                          running != FB_NO_SLOT && strcmp(project, "fb-unhealthy") != 0, why,
                          running == FB_NO_SLOT ? "" : st.version[running]);
    fb_action_t action = FB_ACTION_NONE;
    while (action == FB_ACTION_NONE) {
      struct pollfd p = { g_in, POLLIN, 0 };
      int pr = poll(&p, 1, 1000);
      if (pr < 0 && errno == EINTR) continue;
      if (pr == 0) continue;
      ssize_t n = read(g_in, rx, sizeof rx);
      if (n > 0) { action = fb_bridge_feed(rx, (uint32_t)n); continue; }
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (!g_port) return 0; /* stdin closed: the simulation ends */
      /* The pty went away (socat restarted, cable pulled): the MCU stays powered, reopen. */
      close(g_in);
      if (open_port() != 0) { fprintf(stderr, "fb-host: %s did not come back\n", g_port); return 3; }
    }
    tcdrain(g_out);
    reason = action == FB_ACTION_ROLLBACK ? FB_BOOT_ROLLBACK : FB_BOOT_REBOOT;
  }
}
