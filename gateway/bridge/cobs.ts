/**
 * Consistent Overhead Byte Stuffing: removes every 0x00 from a frame so 0x00 can delimit frames,
 * at a cost of at most one byte per 254.
 */
import { assert } from './assert.js'

export function cobsEncode (input: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length + Math.ceil(input.length / 254) + 1)
  let codeIndex = 0
  let code = 1
  let o = 1
  for (let i = 0; i < input.length; i++) {
    const byte = input[i]!
    if (byte === 0) {
      out[codeIndex] = code
      codeIndex = o++
      code = 1
      continue
    }
    out[o++] = byte
    code++
    if (code === 0xff) {
      out[codeIndex] = code
      codeIndex = o++
      code = 1
    }
  }
  out[codeIndex] = code
  assert(o <= out.length, 'cobs: output bound')
  return out.subarray(0, o)
}

/** Returns undefined when the input is not valid COBS (a zero inside, or a code past the end). */
export function cobsDecode (input: Uint8Array): Uint8Array | undefined {
  const out = new Uint8Array(input.length)
  let o = 0
  let i = 0
  while (i < input.length) {
    const code = input[i]!
    if (code === 0 || i + code > input.length) return undefined
    for (let k = 1; k < code; k++) {
      const byte = input[i + k]!
      if (byte === 0) return undefined
      out[o++] = byte
    }
    i += code
    if (code !== 0xff && i < input.length) out[o++] = 0
  }
  return out.subarray(0, o)
}
