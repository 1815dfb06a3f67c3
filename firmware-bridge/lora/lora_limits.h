/*
 * Static limits of the LoRa device reference. Everything is allocated once from these sizes;
 * a real MCU build shrinks them (e.g. FRAG_NB_MAX 2048 / FRAG_LOST_MAX 128 needs 32 KiB of
 * matrix RAM), the host build keeps them large enough for the 100 KiB benchmark image.
 */
#ifndef LORA_LIMITS_H
#define LORA_LIMITS_H

/* Uncoded fragments per session: 100 KiB in 50-byte fragments is 2048; room for 4096. */
#define FRAG_NB_MAX 4096u
/* TS004 FragSize is one byte. */
#define FRAG_SIZE_MAX 255u
/* Unknown fragments the decoder can track at once (one bit row of FRAG_NB_MAX each). */
#define FRAG_LOST_MAX 1024u
/* The block buffer (the "flash" the fragments land in): FRAG_NB_MAX fragments of 64 bytes. */
#define FRAG_BLOCK_BYTES_MAX (FRAG_NB_MAX * 64u)
/* Firmware image the device runs and the one it builds (delta target). */
#define IMAGE_BYTES_MAX (256u * 1024u)
/* Longest line on the device's modem UART: a 242-byte payload in hex plus the verb. */
#define LINE_BYTES_MAX 600u

#endif
