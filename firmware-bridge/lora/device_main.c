/*
 * lora_device: the host build of the LoRa end device. It speaks the simulated radio's line
 * protocol on stdin/stdout (gateway/lora/MODEM.md, "device side"):
 *   in:  RX <addr hex8> <fport> <payload hex>
 *   out: TX <fport> <payload hex>      (an uplink the device sends)
 *        RXOK                          (after every input line: the frame is handled)
 * and writes the installed image to --out. `lora_device --apply-delta BASE DELTA OUT` applies
 * one delta file, for the host tests of the delta format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delta_apply.h"
#include "fuota_device.h"
#include "lora_limits.h"

static uint8_t image[IMAGE_BYTES_MAX];
static uint8_t delta_buffer[IMAGE_BYTES_MAX];
static uint8_t target[IMAGE_BYTES_MAX];
static const char *out_path;

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static long parse_hex(const char *text, uint8_t *out, size_t capacity) {
  size_t length = strlen(text);
  if (length % 2 != 0 || length / 2 > capacity) return -1;
  for (size_t i = 0; i < length / 2; i++) {
    int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return -1;
    out[i] = (uint8_t)(hi * 16 + lo);
  }
  return (long)(length / 2);
}

static long read_file(const char *path, uint8_t *out, size_t capacity) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t n = fread(out, 1, capacity, f);
  int more = fgetc(f) != EOF;
  fclose(f);
  return more ? -1 : (long)n;
}

static int write_file(const char *path, const uint8_t *data, uint32_t length) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t n = fwrite(data, 1, length, f);
  return (fclose(f) == 0 && n == length) ? 0 : -1;
}

static void send_line(uint8_t fport, const uint8_t *payload, uint32_t length, void *context) {
  (void)context;
  printf("TX %u ", fport);
  for (uint32_t i = 0; i < length; i++) printf("%02x", payload[i]);
  printf("\n");
  fflush(stdout);
  if (fport == FPORT_FLEET_REPORT && length > 0 && payload[0] == FUOTA_INSTALLED && out_path) {
    uint32_t n, version;
    const uint8_t *img = fuota_installed(&n, &version);
    if (img && write_file(out_path, img, n) != 0) fprintf(stderr, "lora_device: cannot write %s\n", out_path);
  }
}

static int apply_delta_files(const char *base, const char *delta, const char *out) {
  long base_n = read_file(base, image, sizeof(image));
  long delta_n = read_file(delta, delta_buffer, sizeof(delta_buffer));
  if (base_n < 0 || delta_n < 0) { fprintf(stderr, "lora_device: cannot read %s or %s (missing or over %u bytes)\n", base, delta, IMAGE_BYTES_MAX); return 2; }
  uint32_t n = 0;
  delta_status_t s = delta_apply(delta_buffer, (uint32_t)delta_n, image, (uint32_t)base_n, target, sizeof(target), &n);
  if (s != DELTA_OK) { fprintf(stderr, "lora_device: delta refused (status %d)\n", (int)s); return 10 + (int)s; }
  return write_file(out, target, n) == 0 ? 0 : 2;
}

static uint8_t payload[LINE_BYTES_MAX / 2];

static void handle_line(const char *line) {
  size_t len = strlen(line);
  if (len > 0 && line[len - 1] != '\n' && !feof(stdin)) {
    fprintf(stderr, "lora_device: line over %u bytes dropped\n", LINE_BYTES_MAX);
    int c;
    while ((c = getchar()) != EOF && c != '\n') {}
    return;
  }
  char addr_hex[16], hex[LINE_BYTES_MAX + 1];
  unsigned fport;
  hex[0] = 0;
  if (sscanf(line, "RX %15s %u %600s", addr_hex, &fport, hex) < 2 || fport > 255) {
    fprintf(stderr, "lora_device: ignored line: %s", line);
    return;
  }
  long plen = parse_hex(hex, payload, sizeof(payload));
  if (plen < 0) {
    fprintf(stderr, "lora_device: bad hex payload\n");
    return;
  }
  fuota_on_downlink((uint32_t)strtoul(addr_hex, NULL, 16), (uint8_t)fport, payload, (uint32_t)plen);
}

static int usage(void) {
  fprintf(stderr, "usage: lora_device --dev-addr HEX8 --pubkey HEX64 --image FILE --version N --out FILE\n"
                  "       lora_device --apply-delta BASE DELTA OUT\n");
  return 2;
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "--apply-delta") == 0) return apply_delta_files(argv[2], argv[3], argv[4]);
  fuota_config_t cfg = { .send = send_line };
  const char *image_path = NULL;
  int have_key = 0, have_addr = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--dev-addr") == 0) { cfg.dev_addr = (uint32_t)strtoul(argv[i + 1], NULL, 16); have_addr = 1; }
    else if (strcmp(argv[i], "--pubkey") == 0) have_key = parse_hex(argv[i + 1], cfg.public_key, 32) == 32;
    else if (strcmp(argv[i], "--image") == 0) image_path = argv[i + 1];
    else if (strcmp(argv[i], "--version") == 0) cfg.version = (uint32_t)strtoul(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "--out") == 0) out_path = argv[i + 1];
    else return usage();
  }
  if (!have_key || !have_addr || !image_path) return usage();
  long n = read_file(image_path, image, sizeof(image));
  if (n < 0) { fprintf(stderr, "lora_device: cannot read image %s (missing or over %u bytes)\n", image_path, IMAGE_BYTES_MAX); return 2; }
  cfg.image = image;
  cfg.image_length = (uint32_t)n;
  fuota_init(&cfg);
  static char line[LINE_BYTES_MAX + 2];
  while (fgets(line, sizeof(line), stdin)) {
    handle_line(line);
    /* The simulated radio waits for this before it ends the downlink: answers come first. */
    printf("RXOK\n");
    fflush(stdout);
  }
  return 0;
}
