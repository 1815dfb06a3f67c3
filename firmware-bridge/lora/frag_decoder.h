/*
 * TS004 v1.0.0 fragment decoder: incremental Gaussian elimination over GF(2). Uncoded
 * fragments land in their slot of the block buffer; a parity fragment is reduced against what
 * is known and kept as a pivot row whose data waits in the (still empty) slot of its pivot
 * column, so RAM holds only bit rows for the fragments still missing.
 */
#ifndef FRAG_DECODER_H
#define FRAG_DECODER_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
  FRAG_OK = 0,
  FRAG_ERR_PARAMS = 1,      /* NbFrag/FragSize/padding out of range */
  FRAG_ERR_SIZE = 2,        /* fragment length differs from FragSize */
  FRAG_ERR_INDEX = 3,       /* N out of range */
  FRAG_ERR_MATRIX_FULL = 4  /* more unknowns than FRAG_LOST_MAX rows: TS004 NotEnoughMatrixMemory */
} frag_status_t;

typedef struct {
  uint16_t nb_frag;
  uint8_t frag_size;
  uint8_t padding;
  uint16_t known;      /* uncoded fragments determined */
  uint16_t pivots;     /* parity rows held */
  uint16_t received;   /* distinct fragments taken */
  bool matrix_full;    /* a parity fragment had to be dropped for lack of rows */
} frag_decoder_t;

/* Starts a session; the block buffer is the decoder's own static buffer. */
frag_status_t frag_decoder_init(frag_decoder_t *d, uint16_t nb_frag, uint8_t frag_size, uint8_t padding);
/* Takes fragment n (1-based TS004 N; above nb_frag it is a parity fragment). */
frag_status_t frag_decoder_push(frag_decoder_t *d, uint16_t n, const uint8_t *payload, uint16_t length);
bool frag_decoder_complete(const frag_decoder_t *d);
/* Fragments still needed (0 once complete). */
uint16_t frag_decoder_missing(const frag_decoder_t *d);
/* The rebuilt block (valid once complete) and its length without padding. */
const uint8_t *frag_decoder_block(const frag_decoder_t *d, uint32_t *length);
/* Line n (1-based) of the TS004 parity matrix for m columns, one byte per column (0/1). */
void frag_matrix_line(uint16_t n, uint16_t m, uint8_t *line);

#endif
