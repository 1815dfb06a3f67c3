#include "frag_decoder.h"

#include <assert.h>
#include <string.h>

#include "lora_limits.h"

#define ROW_BYTES (FRAG_NB_MAX / 8u)
#define NO_ROW 0xffffu

static uint8_t block[FRAG_BLOCK_BYTES_MAX];
static uint8_t known_bits[ROW_BYTES];
static uint8_t seen_bits[(FRAG_NB_MAX * 2u) / 8u];
static uint8_t rows[FRAG_LOST_MAX][ROW_BYTES];
static uint16_t row_of_column[FRAG_NB_MAX];
static uint16_t free_rows[FRAG_LOST_MAX];
static uint16_t free_count;
static uint8_t work_bits[ROW_BYTES];
static uint8_t work_data[FRAG_SIZE_MAX];
static uint8_t line_bytes[FRAG_NB_MAX];

static bool bit_get(const uint8_t *bits, uint32_t i) { return (bits[i >> 3] >> (i & 7u)) & 1u; }
static void bit_set(uint8_t *bits, uint32_t i) { bits[i >> 3] = (uint8_t)(bits[i >> 3] | (1u << (i & 7u))); }
static void bit_clear(uint8_t *bits, uint32_t i) { bits[i >> 3] = (uint8_t)(bits[i >> 3] & ~(1u << (i & 7u))); }

static void xor_into(uint8_t *target, const uint8_t *source, uint32_t length) {
  for (uint32_t i = 0; i < length; i++) target[i] ^= source[i];
}

static int32_t lowest_bit(const uint8_t *bits, uint16_t columns) {
  uint32_t bytes = ((uint32_t)columns + 7u) / 8u;
  for (uint32_t b = 0; b < bytes; b++) {
    if (bits[b] != 0) {
      for (uint32_t k = 0; k < 8u; k++) {
        if ((bits[b] >> k) & 1u) return (int32_t)(b * 8u + k);
      }
    }
  }
  return -1;
}

static uint8_t *slot(const frag_decoder_t *d, uint16_t column) { return &block[(uint32_t)column * d->frag_size]; }

static uint32_t prbs23(uint32_t x) {
  uint32_t feedback = (x & 1u) ^ ((x >> 5) & 1u);
  return (x >> 1) | (feedback << 22);
}

void frag_matrix_line(uint16_t n, uint16_t m, uint8_t *line) {
  memset(line, 0, m);
  uint32_t modulus = (uint32_t)m + (((m & (m - 1u)) == 0u) ? 1u : 0u);
  uint32_t x = 1u + 1001u * n;
  for (uint16_t drawn = 0; drawn < m / 2u; drawn++) {
    uint32_t column = m;
    /* Bounded: the 23-bit sequence reaches a column < m within a few steps for any m >= 2. */
    for (uint32_t steps = 0; column >= m; steps++) {
      assert(steps < (1u << 23));
      x = prbs23(x);
      column = x % modulus;
    }
    line[column] = 1;
  }
}

frag_status_t frag_decoder_init(frag_decoder_t *d, uint16_t nb_frag, uint8_t frag_size, uint8_t padding) {
  if (nb_frag == 0 || nb_frag > FRAG_NB_MAX || frag_size == 0 || padding >= frag_size ||
      (uint32_t)nb_frag * frag_size > FRAG_BLOCK_BYTES_MAX) {
    return FRAG_ERR_PARAMS;
  }
  memset(d, 0, sizeof(*d));
  d->nb_frag = nb_frag;
  d->frag_size = frag_size;
  d->padding = padding;
  memset(known_bits, 0, sizeof(known_bits));
  memset(seen_bits, 0, sizeof(seen_bits));
  for (uint32_t i = 0; i < FRAG_NB_MAX; i++) row_of_column[i] = NO_ROW;
  for (uint32_t i = 0; i < FRAG_LOST_MAX; i++) free_rows[i] = (uint16_t)(FRAG_LOST_MAX - 1u - i);
  free_count = FRAG_LOST_MAX;
  return FRAG_OK;
}

/* Reduces work_bits/work_data against known columns and pivots; stores it if independent. */
static frag_status_t reduce_work(frag_decoder_t *d) {
  for (uint32_t guard = 0; guard <= (uint32_t)d->nb_frag * 2u; guard++) {
    int32_t column = lowest_bit(work_bits, d->nb_frag);
    if (column < 0) return FRAG_OK; /* dependent: nothing new */
    uint16_t c = (uint16_t)column;
    if (bit_get(known_bits, c)) {
      bit_clear(work_bits, c);
      xor_into(work_data, slot(d, c), d->frag_size);
      continue;
    }
    if (row_of_column[c] != NO_ROW) {
      xor_into(work_bits, rows[row_of_column[c]], ROW_BYTES);
      xor_into(work_data, slot(d, c), d->frag_size); /* a pivot's data waits in its column's slot */
      continue;
    }
    if (free_count == 0) {
      d->matrix_full = true;
      return FRAG_ERR_MATRIX_FULL;
    }
    uint16_t r = free_rows[--free_count];
    memcpy(rows[r], work_bits, ROW_BYTES);
    memcpy(slot(d, c), work_data, d->frag_size);
    row_of_column[c] = r;
    d->pivots++;
    return FRAG_OK;
  }
  assert(0 && "reduce_work did not terminate");
  return FRAG_ERR_PARAMS;
}

static frag_status_t learn(frag_decoder_t *d, uint16_t column, const uint8_t *payload) {
  if (bit_get(known_bits, column)) return FRAG_OK;
  uint16_t r = row_of_column[column];
  if (r != NO_ROW) {
    /* The pivot on this column now speaks about the other columns: take it out and re-insert. */
    memcpy(work_bits, rows[r], ROW_BYTES);
    memcpy(work_data, slot(d, column), d->frag_size);
    bit_clear(work_bits, column);
    xor_into(work_data, payload, d->frag_size);
    row_of_column[column] = NO_ROW;
    free_rows[free_count++] = r;
    d->pivots--;
  }
  memcpy(slot(d, column), payload, d->frag_size);
  bit_set(known_bits, column);
  d->known++;
  return r != NO_ROW ? reduce_work(d) : FRAG_OK;
}

static void back_substitute(frag_decoder_t *d) {
  for (int32_t c = (int32_t)d->nb_frag - 1; c >= 0; c--) {
    uint16_t r = row_of_column[c];
    if (r == NO_ROW) continue;
    bit_clear(rows[r], (uint32_t)c);
    for (int32_t j = lowest_bit(rows[r], d->nb_frag); j >= 0; j = lowest_bit(rows[r], d->nb_frag)) {
      assert(j > c && bit_get(known_bits, (uint32_t)j));
      bit_clear(rows[r], (uint32_t)j);
      xor_into(slot(d, (uint16_t)c), slot(d, (uint16_t)j), d->frag_size);
    }
    row_of_column[c] = NO_ROW;
    free_rows[free_count++] = r;
    d->pivots--;
    bit_set(known_bits, (uint32_t)c);
    d->known++;
  }
}

frag_status_t frag_decoder_push(frag_decoder_t *d, uint16_t n, const uint8_t *payload, uint16_t length) {
  if (n == 0 || n > FRAG_NB_MAX * 2u) return FRAG_ERR_INDEX;
  if (length != d->frag_size) return FRAG_ERR_SIZE;
  if (bit_get(seen_bits, n - 1u) || frag_decoder_complete(d)) return FRAG_OK;
  bit_set(seen_bits, n - 1u);
  d->received++;
  frag_status_t status;
  if (n <= d->nb_frag) {
    status = learn(d, (uint16_t)(n - 1u), payload);
  } else {
    frag_matrix_line((uint16_t)(n - d->nb_frag), d->nb_frag, line_bytes);
    memset(work_bits, 0, sizeof(work_bits));
    for (uint16_t i = 0; i < d->nb_frag; i++) {
      if (line_bytes[i]) bit_set(work_bits, i);
    }
    memcpy(work_data, payload, d->frag_size);
    status = reduce_work(d);
  }
  if (d->known + d->pivots == d->nb_frag) back_substitute(d);
  return status;
}

bool frag_decoder_complete(const frag_decoder_t *d) { return d->nb_frag != 0 && d->known == d->nb_frag; }

uint16_t frag_decoder_missing(const frag_decoder_t *d) { return (uint16_t)(d->nb_frag - d->known - d->pivots); }

const uint8_t *frag_decoder_block(const frag_decoder_t *d, uint32_t *length) {
  *length = (uint32_t)d->nb_frag * d->frag_size - d->padding;
  return block;
}
