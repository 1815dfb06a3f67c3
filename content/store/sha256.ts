import { fromHex } from 'multiformats/bytes'

const SHA256_BYTES = 32
const SHA256_HEX = /^[0-9a-f]{64}$/i

/** A sha256 given as bytes or hex, as bytes; anything else is a programmer error. */
export function normaliseSha256 (value: Uint8Array | string): Uint8Array {
  if (typeof value === 'string') {
    if (!SHA256_HEX.test(value)) throw new TypeError(`a sha256 is 64 hex characters, got ${JSON.stringify(value)}`)
    return fromHex(value.toLowerCase())
  }
  if (value.byteLength !== SHA256_BYTES) throw new TypeError(`a sha256 is ${SHA256_BYTES} bytes, got ${value.byteLength}`)
  return value
}
