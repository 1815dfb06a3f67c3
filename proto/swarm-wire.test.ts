import { describe, expect, it } from 'vitest'
import { decodeSwarmMessage, encodeSwarmMessage, SWARM_INDICES_MAX, SWARM_MESSAGE_BYTES_MAX, WIRE_VERSION, WireDecodeError, WireEncodeError } from './index.js'
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
})
