import { describe, expect, it } from 'vitest'
import { cobsDecode, cobsEncode, crc32, decodeFrameBody, decodeInfo, encodeFrame, FRAME_ENCODED_MAX, FrameDecoder, PAYLOAD_MAX } from './index.js'
import { mulberry32 } from '../../test/support/mulberry32.js'

function thrown (fn: () => unknown): unknown {
  try { fn() } catch (error) { return error }
  throw new Error('expected a throw')
}

describe('bridge framing', () => {
  it('computes the standard CRC-32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
  })

  it('COBS round-trips any bytes and never emits a zero', () => {
    const random = mulberry32(7)
    for (let n = 0; n < 1200; n += 13) {
      const input = Uint8Array.from({ length: n }, () => (random() < 0.3 ? 0 : Math.floor(random() * 256)))
      const encoded = cobsEncode(input)
      expect(encoded.includes(0)).toBe(false)
      expect(cobsDecode(encoded)).toEqual(input)
    }
    expect(cobsDecode(Uint8Array.of(5, 1))).toBeUndefined()
  })

  it('splits a stream into frames whatever the chunking, and resynchronises after garbage', () => {
    const frames = [1, 2, 3].map((seq) => encodeFrame({ type: 0x83, seq, payload: Uint8Array.of(seq, 0, 0, 0) }))
    const stream = new Uint8Array([0x41, 0x42, 0, ...frames[0]!, ...frames[1]!, ...frames[2]!])
    const decoder = new FrameDecoder()
    const results = []
    for (let i = 0; i < stream.length; i += 3) results.push(...decoder.push(stream.subarray(i, i + 3)))
    expect(results.map((r) => r.ok)).toEqual([false, true, true, true])
    expect(results.filter((r) => r.ok).map((r) => r.ok && r.frame.seq)).toEqual([1, 2, 3])
  })

  it('names what is wrong with a bad frame: CRC, COBS, length', () => {
    const frame = encodeFrame({ type: 0x01, seq: 9, payload: Uint8Array.of(1) })
    const flipped = frame.slice(0, -1)
    flipped[2] = flipped[2]! ^ 0x04
    expect(decodeFrameBody(flipped)).toMatchObject({ ok: false, reason: 'bad-crc' })
    expect(decodeFrameBody(Uint8Array.of(9, 1))).toMatchObject({ ok: false, reason: 'bad-cobs' })
    expect(decodeFrameBody(Uint8Array.of(2, 1))).toMatchObject({ ok: false, reason: 'too-short' })
    const decoder = new FrameDecoder()
    const flood = new Uint8Array(FRAME_ENCODED_MAX * 3).fill(0x41)
    expect(decoder.push(flood)).toEqual([])
    expect(decoder.push(Uint8Array.of(0))).toMatchObject([{ ok: false, reason: 'too-long' }])
    expect(() => encodeFrame({ type: 3, seq: 1, payload: new Uint8Array(PAYLOAD_MAX + 1) })).toThrow(/over 1032/)
  })

  it('refuses an INFO of the wrong length with a coded error', () => {
    expect(thrown(() => decodeInfo(new Uint8Array(100)))).toMatchObject({ code: 'FLEET_ERR_BRIDGE_FRAME' })
    expect(thrown(() => decodeInfo(new Uint8Array(130)))).toMatchObject({ code: 'FLEET_ERR_BRIDGE_FRAME' })
  })

  it('reads the device uid of a 140-byte INFO, and none from a first-release bridge (124 bytes) or an all-zero uid', () => {
    const info = new Uint8Array(140)
    info.set([0x24, 0x6f, 0x28, 0xaa, 0xbb, 0xcc], 124)
    expect(decodeInfo(info).uid).toEqual(Uint8Array.of(0x24, 0x6f, 0x28, 0xaa, 0xbb, 0xcc))
    expect(decodeInfo(new Uint8Array(140)).uid).toBeUndefined()
    expect(decodeInfo(new Uint8Array(124)).uid).toBeUndefined()
  })
})
