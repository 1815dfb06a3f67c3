import { describe, expect, it } from 'vitest'
import { decodeSwarmMessage, encodeSwarmBlockParts, encodeSwarmMessage, SWARM_INDICES_MAX, SWARM_MESSAGE_BYTES_MAX, WIRE_VERSION, WireDecodeError, WireEncodeError } from './index.js'
import { SwarmMessage } from './generated/swarm.js'

describe('SwarmMessage', () => {
  it('round-trips every body', () => {
    const bodies = [
      { hello: { root: 'bafyroot', blocks: 3, bitfield: new Uint8Array([0b101]) } },
      { have: { indices: [0, 2] } },
      { request: { indices: [1] } },
      { block: { index: 1, data: new Uint8Array([1, 2, 3]) } },
      { cancel: { indices: [1] } },
      { reject: { indices: [1], reason: 'elsewhere' } }
    ]
    for (const body of bodies) {
      expect(decodeSwarmMessage(encodeSwarmMessage({ version: WIRE_VERSION, ...body }))).toMatchObject(body)
    }
  })

  it('refuses zero or two bodies when encoding', () => {
    expect(() => encodeSwarmMessage({ version: WIRE_VERSION })).toThrow(WireEncodeError)
    expect(() => encodeSwarmMessage({ version: WIRE_VERSION, have: { indices: [] }, cancel: { indices: [] } })).toThrow(/exactly one/)
  })

  it('refuses an oversize message and too many indices when decoding', () => {
    const big = SwarmMessage.encode({ version: WIRE_VERSION, block: { index: 0, data: new Uint8Array(SWARM_MESSAGE_BYTES_MAX) } })
    expect(() => decodeSwarmMessage(big)).toThrow(/SWARM_MESSAGE_BYTES_MAX/)
    const many = SwarmMessage.encode({ version: WIRE_VERSION, request: { indices: Array.from({ length: SWARM_INDICES_MAX + 1 }, (_, i) => i) } })
    expect(() => decodeSwarmMessage(many)).toThrow(WireDecodeError)
  })

  it('frames a block in two parts that concatenate to exactly what encodeSwarmMessage gives', () => {
    for (const index of [0, 1, 127, 128, 300, 16_383, 16_384, 2 ** 21, 0xffff_ffff]) {
      for (const length of [0, 1, 127, 128, 16_384, 80_000, 256 * 1024]) {
        const data = new Uint8Array(length).map((_, i) => i * 7)
        const [head, body] = encodeSwarmBlockParts(index, data)
        expect(Buffer.concat([head, body]).equals(encodeSwarmMessage({ version: WIRE_VERSION, block: { index, data } }))).toBe(true)
        expect(body).toBe(data)
      }
    }
  })

  it('refuses to frame a block its receivers would refuse, or an index that is not a uint32', () => {
    expect(() => encodeSwarmBlockParts(0, new Uint8Array(SWARM_MESSAGE_BYTES_MAX))).toThrow(/SWARM_MESSAGE_BYTES_MAX/)
    expect(() => encodeSwarmBlockParts(-1, new Uint8Array(1))).toThrow(WireEncodeError)
    expect(() => encodeSwarmBlockParts(2 ** 32, new Uint8Array(1))).toThrow(WireEncodeError)
  })
})
