/*
 * Ed25519 signature verification (RFC 8032, "pure" Ed25519), written for this reference in
 * the well-known 16×16-bit-limb style; constant-time is not a goal (verification handles only
 * public data). Rejects non-canonical S (S >= L) and public keys that do not decode.
 */
#ifndef ED25519_VERIFY_H
#define ED25519_VERIFY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool ed25519_verify(const uint8_t signature[64], const uint8_t *message, size_t length, const uint8_t public_key[32]);
#endif
