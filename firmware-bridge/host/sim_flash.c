#include "sim_flash.h"
#include "../src/flash_hal.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define IO_CHUNK 4096u

static int g_fd = -1;
static uint32_t g_bytes;
static uint32_t g_ops, g_next_cut, g_cuts_left, g_cuts_done, g_gap_max, g_rng;
static jmp_buf *g_jump;
static uint32_t g_program_us_per_kib, g_erase_us;

void sim_flash_timing(uint32_t program_us_per_kib, uint32_t erase_us_per_sector) {
  g_program_us_per_kib = program_us_per_kib;
  g_erase_us = erase_us_per_sector;
}

static void busy(uint64_t us) {
  if (us == 0) return;
  struct timespec ts = { (time_t)(us / 1000000u), (long)(us % 1000000u) * 1000L };
  while (nanosleep(&ts, &ts) != 0) {}
}

static uint32_t rng(void) { /* xorshift32: small, seeded, deterministic */
  g_rng ^= g_rng << 13; g_rng ^= g_rng >> 17; g_rng ^= g_rng << 5;
  return g_rng;
}

static void schedule_next(void) { g_next_cut = g_cuts_left ? g_ops + 1u + rng() % g_gap_max : 0; }

int sim_flash_open(const char *path, uint32_t bytes) {
  g_fd = open(path, O_RDWR | O_CREAT, 0644);
  if (g_fd < 0) return -1;
  struct stat st;
  if (fstat(g_fd, &st) != 0) return -1;
  g_bytes = bytes;
  if ((uint32_t)st.st_size != bytes) { /* fresh flash reads as erased */
    static uint8_t ff[IO_CHUNK];
    memset(ff, 0xFF, sizeof ff);
    if (ftruncate(g_fd, 0) != 0) return -1;
    for (uint32_t at = 0; at < bytes; at += IO_CHUNK) {
      if (pwrite(g_fd, ff, IO_CHUNK, at) != (ssize_t)IO_CHUNK) return -1;
    }
  }
  return 0;
}

void sim_flash_close(void) { if (g_fd >= 0) close(g_fd); g_fd = -1; }

void sim_flash_power_cuts(uint32_t seed, uint32_t count, uint32_t gap_max, jmp_buf *target) {
  g_rng = seed ? seed : 1u;
  g_cuts_left = count;
  g_gap_max = gap_max ? gap_max : 1u;
  g_jump = target;
  schedule_next();
}

uint32_t sim_flash_cuts_done(void) { return g_cuts_done; }
uint32_t sim_flash_ops(void) { return g_ops; }

/* Counts an operation; returns how many bytes of it happen before the power dies (len = all). */
static uint32_t op_begin(uint32_t len) {
  g_ops++;
  if (g_next_cut == 0 || g_ops != g_next_cut) return len;
  return len ? rng() % len : 0;
}

static void power_cut(void) {
  g_cuts_left--;
  g_cuts_done++;
  fprintf(stderr, "fb-host: power cut %u at flash op %u\n", g_cuts_done, g_ops);
  schedule_next();
  longjmp(*g_jump, 1);
}

int fb_flash_read(uint32_t addr, uint8_t *buf, uint32_t len) {
  if (addr + len > g_bytes || addr + len < addr) return -1;
  return pread(g_fd, buf, len, addr) == (ssize_t)len ? 0 : -1;
}

int fb_flash_erase_sector(uint32_t addr) {
  static uint8_t ff[FB_SECTOR_BYTES];
  if (addr % FB_SECTOR_BYTES || addr + FB_SECTOR_BYTES > g_bytes) return -1;
  memset(ff, 0xFF, sizeof ff);
  busy(g_erase_us);
  uint32_t n = op_begin(FB_SECTOR_BYTES);
  if (n && pwrite(g_fd, ff, n, addr) != (ssize_t)n) return -1;
  if (n != FB_SECTOR_BYTES) power_cut();
  return 0;
}

int fb_flash_program(uint32_t addr, const uint8_t *buf, uint32_t len) {
  static uint8_t cur[IO_CHUNK];
  if (len > IO_CHUNK || addr + len > g_bytes) return -1;
#if FB_PROGRAM_ALIGN > 1
  /* An ECC flash (the STM32L4 port: 64-bit units): a unit is programmed once after an erase and
     a program starts on a unit boundary; the tail unit is padded with 0xFF, so it is used up too. */
  uint32_t span = (len + FB_PROGRAM_ALIGN - 1u) / FB_PROGRAM_ALIGN * FB_PROGRAM_ALIGN;
  if (addr % FB_PROGRAM_ALIGN || addr + span > g_bytes) { fprintf(stderr, "fb-host: program at 0x%x is not on a %u-byte unit\n", addr, FB_PROGRAM_ALIGN); return -1; }
  if (pread(g_fd, cur, span, addr) != (ssize_t)span) return -1;
  for (uint32_t i = 0; i < span; i++) {
    if (cur[i] != 0xFFu) { fprintf(stderr, "fb-host: second program of the unit at 0x%x\n", (addr + i) - (addr + i) % FB_PROGRAM_ALIGN); return -1; }
  }
#endif
  if (pread(g_fd, cur, len, addr) != (ssize_t)len) return -1;
  for (uint32_t i = 0; i < len; i++) {
    /* NOR programming only clears bits: writing a 1 over a 0 means the caller forgot to erase. */
    if ((cur[i] & buf[i]) != buf[i]) {
      fprintf(stderr, "fb-host: program over unerased flash at 0x%x\n", addr + i);
      return -1;
    }
  }
  busy((uint64_t)g_program_us_per_kib * len / 1024u);
  uint32_t n = op_begin(len);
  if (n && pwrite(g_fd, buf, n, addr) != (ssize_t)n) return -1;
  if (n != len) power_cut();
  return 0;
}
