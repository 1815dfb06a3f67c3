/**
 * Frames on the wire: COBS(type, seq, payload, crc32) + 0x00 (PROTOCOL.md "Framing"), and a
 * streaming decoder that resynchronises on the next delimiter after garbage.
 */
import { assert } from './assert.js'
import { cobsDecode, cobsEncode } from './cobs.js'
import { FRAME_DECODED_MAX, FRAME_ENCODED_MAX, PAYLOAD_MAX } from './constants.js'
import { crc32 } from './crc32.js'

export interface Frame { type: number, seq: number, payload: Uint8Array }

export type DecodeResult =
  | { ok: true, frame: Frame }
  | { ok: false, reason: 'bad-cobs' | 'too-long' | 'too-short' | 'bad-crc', bytes: number }

export function encodeFrame (frame: Frame): Uint8Array {
  assert(frame.payload.length <= PAYLOAD_MAX, `payload of ${frame.payload.length} bytes over ${PAYLOAD_MAX}`)
  assert(Number.isInteger(frame.type) && frame.type >= 0 && frame.type <= 0xff, 'type is a byte')
  assert(Number.isInteger(frame.seq) && frame.seq >= 0 && frame.seq <= 0xff, 'seq is a byte')
  const raw = new Uint8Array(2 + frame.payload.length + 4)
  raw[0] = frame.type
  raw[1] = frame.seq
  raw.set(frame.payload, 2)
  const crc = crc32(raw.subarray(0, 2 + frame.payload.length))
  new DataView(raw.buffer).setUint32(2 + frame.payload.length, crc, true)
  const encoded = cobsEncode(raw)
  const out = new Uint8Array(encoded.length + 1)
  out.set(encoded)
  assert(out.length <= FRAME_ENCODED_MAX, 'encoded frame bound')
  return out
}

/** Decodes one frame body (without its delimiter). */
export function decodeFrameBody (body: Uint8Array): DecodeResult {
  if (body.length > FRAME_ENCODED_MAX) return { ok: false, reason: 'too-long', bytes: body.length }
  const raw = cobsDecode(body)
  if (raw === undefined) return { ok: false, reason: 'bad-cobs', bytes: body.length }
  if (raw.length > FRAME_DECODED_MAX) return { ok: false, reason: 'too-long', bytes: raw.length }
  if (raw.length < 6) return { ok: false, reason: 'too-short', bytes: raw.length }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.length)
  const crc = view.getUint32(raw.length - 4, true)
  if (crc32(raw.subarray(0, raw.length - 4)) !== crc) return { ok: false, reason: 'bad-crc', bytes: raw.length }
  return { ok: true, frame: { type: raw[0]!, seq: raw[1]!, payload: raw.slice(2, raw.length - 4) } }
}

/**
 * Splits a byte stream into frames. Memory is bounded: a run of bytes without a delimiter longer
 * than a frame can be is dropped (reported once as too-long when its delimiter finally comes).
 */
export class FrameDecoder {
  private buffer = new Uint8Array(FRAME_ENCODED_MAX)
  private length = 0
  private overflowed = false

  push (chunk: Uint8Array): DecodeResult[] {
    const results: DecodeResult[] = []
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!
      if (byte !== 0) {
        if (this.length < this.buffer.length) this.buffer[this.length++] = byte
        else this.overflowed = true
        continue
      }
      if (this.overflowed) results.push({ ok: false, reason: 'too-long', bytes: this.length })
      else if (this.length > 0) results.push(decodeFrameBody(this.buffer.subarray(0, this.length)))
      this.length = 0
      this.overflowed = false
    }
    return results
  }
}
