/**
 * TS004 against the reference vectors published with the brocaar/lorawan Go library
 * (applayer/fragmentation: encode_test.go for the parity fragments, fragmentation_test.go for
 * the command bytes), and the decoder's recovery limits under seeded losses.
 */
import { describe, expect, it } from 'vitest'
import { mulberry32 } from '../../test/support/mulberry32.js'
import { LoraFragmentationError, LoraFragmentsMissingError } from './errors.js'
import { decodeFragDownlink, decodeFragUplink, encodeFragDownlink, encodeFragUplink } from './frag-commands.js'
import type { FragDownlink, FragUplink } from './frag-commands.js'
import { FragDecoder } from './frag-decoder.js'
import { fragmentBlock, matrixLine } from './frag-matrix.js'

const hex = (rows: number[][]): Uint8Array[] => rows.map(r => Uint8Array.from(r))

// brocaar/lorawan applayer/fragmentation/encode_test.go: data = 0..99, fragment size 10, redundancy 10.
const REFERENCE_PARITY = hex([
  [0x26, 0x26, 0x22, 0x22, 0x2e, 0x2e, 0x22, 0x22, 0x26, 0x26],
  [0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x6a, 0x6b, 0x7c, 0x7d],
  [0x5c, 0x5d, 0x6e, 0x6f, 0x10, 0x11, 0x2, 0x3, 0x4, 0x5],
  [0x36, 0x36, 0x32, 0x32, 0x3e, 0x3e, 0x22, 0x22, 0x36, 0x36],
  [0x3a, 0x3a, 0xe, 0xe, 0xa, 0xa, 0x6, 0x6, 0xa, 0xa],
  [0xe, 0xe, 0x32, 0x32, 0x36, 0x36, 0x22, 0x22, 0x3e, 0x3e],
  [0x2, 0x2, 0xe, 0xe, 0x72, 0x72, 0x76, 0x76, 0x62, 0x62],
  [0x1e, 0x1e, 0x1a, 0x1a, 0x66, 0x66, 0x5a, 0x5a, 0x4e, 0x4e],
  [0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x30, 0x31, 0x22, 0x23],
  [0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x18, 0x19, 0xa, 0xb]
])

const referenceData = Uint8Array.from({ length: 100 }, (_, i) => i)

describe('TS004 parity fragments', () => {
  it('match the reference vectors (10 × 10 bytes, redundancy 10 and 5)', () => {
    const block = fragmentBlock(referenceData, 10, 10)
    expect(block.nbFrag).toBe(10)
    expect(block.padding).toBe(0)
    expect(block.fragments.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => referenceData.slice(i * 10, i * 10 + 10)))
    expect(block.fragments.slice(10)).toEqual(REFERENCE_PARITY)
    expect(fragmentBlock(referenceData, 10, 5).fragments.slice(10)).toEqual(REFERENCE_PARITY.slice(0, 5))
  })

  it('draw m/2 columns per line, using the m+1 modulus when m is a power of two', () => {
    for (const m of [7, 8, 64, 100, 430]) {
      for (let n = 1; n <= 20; n++) {
        const ones = matrixLine(n, m).reduce((a, b) => a + b, 0)
        expect(ones).toBeGreaterThan(0)
        expect(ones).toBeLessThanOrEqual(Math.floor(m / 2))
      }
    }
  })

  it('pads the last fragment and reports the padding', () => {
    const block = fragmentBlock(referenceData.subarray(0, 95), 10, 2)
    expect(block).toMatchObject({ nbFrag: 10, padding: 5 })
    expect(block.fragments[9]).toEqual(Uint8Array.of(90, 91, 92, 93, 94, 0, 0, 0, 0, 0))
  })

  it('refuses sizes TS004 cannot carry, naming the limit', () => {
    expect(() => fragmentBlock(referenceData, 0, 1)).toThrow(LoraFragmentationError)
    expect(() => fragmentBlock(referenceData, 256, 1)).toThrow(/1\.\.255/)
    expect(() => fragmentBlock(new Uint8Array(20000), 1, 0)).toThrow(/16383/)
  })
})

describe('TS004 commands', () => {
  // brocaar/lorawan applayer/fragmentation/fragmentation_test.go
  const downlinks: Array<[FragDownlink, number[]]> = [
    [{ cid: 'PackageVersionReq' }, [0x00]],
    [{ cid: 'FragSessionSetupReq', fragIndex: 3, mcGroupBitMask: 0b0101, nbFrag: 513, fragSize: 255, fragAlgo: 5, blockAckDelay: 4, padding: 129, descriptor: 0x04030201 },
      [0x02, 0x35, 0x01, 0x02, 0xff, 0x2c, 0x81, 0x01, 0x02, 0x03, 0x04]],
    [{ cid: 'FragSessionDeleteReq', fragIndex: 3 }, [0x03, 0x03]],
    [{ cid: 'DataFragment', fragIndex: 3, n: 513, payload: Uint8Array.of(1, 2, 3, 4, 5, 6) }, [0x08, 0x01, 0xc2, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06]],
    [{ cid: 'FragSessionStatusReq', fragIndex: 3, participants: true }, [0x01, 0x07]]
  ]
  const uplinks: Array<[FragUplink, number[]]> = [
    [{ cid: 'PackageVersionAns', packageIdentifier: 1, packageVersion: 1 }, [0x00, 0x01, 0x01]],
    [{ cid: 'FragSessionSetupAns', fragIndex: 3, wrongDescriptor: true, fragSessionIndexNotSupported: true, notEnoughMemory: true, encodingUnsupported: true }, [0x02, 0xcf]],
    [{ cid: 'FragSessionDeleteAns', fragIndex: 3, sessionDoesNotExist: true }, [0x03, 0x07]],
    [{ cid: 'FragSessionStatusAns', fragIndex: 3, nbFragReceived: 513, missingFrag: 255, notEnoughMatrixMemory: true }, [0x01, 0x01, 0xc2, 0xff, 0x01]]
  ]

  it.each(downlinks)('downlink %o encodes to the reference bytes and back', (cmd, bytes) => {
    expect([...encodeFragDownlink(cmd)]).toEqual(bytes)
    expect(decodeFragDownlink(Uint8Array.from(bytes))).toEqual(cmd)
  })

  it.each(uplinks)('uplink %o encodes to the reference bytes and back', (cmd, bytes) => {
    expect([...encodeFragUplink(cmd)]).toEqual(bytes)
    expect(decodeFragUplink(Uint8Array.from(bytes))).toEqual(cmd)
  })

  it('refuses truncated commands, unknown CIDs and out-of-range fields', () => {
    expect(() => decodeFragDownlink(Uint8Array.of(0x02, 0x35, 0x01, 0x02, 0xff, 0x2c, 0x81, 0x01, 0x02, 0x03))).toThrow(/needs 11 bytes, got 10/)
    expect(() => decodeFragUplink(Uint8Array.of(0x01, 0x01, 0xc2, 0xff))).toThrow(/needs 5 bytes/)
    expect(() => decodeFragDownlink(Uint8Array.of(0x42))).toThrow(/unknown downlink CID 0x42/)
    expect(() => encodeFragDownlink({ cid: 'FragSessionDeleteReq', fragIndex: 4 })).toThrow(/fragIndex 4/)
    expect(() => encodeFragDownlink({ cid: 'DataFragment', fragIndex: 0, n: 0x4000, payload: new Uint8Array(1) })).toThrow(/N 16384/)
  })
})

function seededBytes (length: number, seed: number): Uint8Array {
  const next = mulberry32(seed)
  return Uint8Array.from({ length }, () => Math.floor(next() * 256))
}

/** Delivers each fragment with probability 1 - loss; returns the decoder after all were offered. */
function deliver (data: Uint8Array, fragSize: number, redundancy: number, keep: (n: number) => boolean): FragDecoder {
  const block = fragmentBlock(data, fragSize, redundancy)
  const decoder = new FragDecoder(block.nbFrag, fragSize, block.padding)
  block.fragments.forEach((fragment, i) => { if (keep(i + 1)) decoder.push(i + 1, fragment) })
  return decoder
}

function rankGf2 (rows: number[]): number {
  const work = [...rows]
  let rank = 0
  for (let bit = 1; bit < 1 << 16; bit <<= 1) {
    const i = work.findIndex(r => (r & bit) !== 0)
    if (i < 0) continue
    const pivot = work.splice(i, 1)[0]!
    for (let j = 0; j < work.length; j++) if ((work[j]! & bit) !== 0) work[j] = work[j]! ^ pivot
    rank++
  }
  return rank
}

describe('FragDecoder', () => {
  it('rebuilds the reference block exactly when the parity lines over the lost columns have full rank', () => {
    // The code is a random parity code, not MDS: whether a loss pattern is recoverable depends
    // on the rank of the parity lines restricted to the lost columns, computed here on its own.
    let recovered = 0
    for (let a = 1; a <= 10; a++) {
      for (let b = a + 1; b <= 10; b++) {
        for (let c = b + 1; c <= 10; c++) {
          const lost = [a, b, c]
          const lines = [1, 2, 3, 4, 5].map(n => lost.reduce((mask, col, k) => mask | (matrixLine(n, 10)[col - 1]! << k), 0))
          const decoder = deliver(referenceData, 10, 5, n => !lost.includes(n))
          expect(decoder.isComplete(), `lost ${lost.join(',')}`).toBe(rankGf2(lines) === 3)
          if (decoder.isComplete()) {
            expect(decoder.block()).toEqual(referenceData)
            recovered++
          }
        }
      }
    }
    expect(recovered).toBeGreaterThan(60) // most of the 120 patterns
  })

  it('rebuilds at 10% and 30% seeded loss with the redundancy sized for it', () => {
    for (const [loss, seed] of [[0.1, 1], [0.1, 2], [0.3, 3], [0.3, 4]] as const) {
      const data = seededBytes(20_000, seed)
      const nbFrag = Math.ceil(data.length / 50)
      const redundancy = Math.ceil(nbFrag * (loss + 0.08) / (1 - loss))
      const random = mulberry32(seed * 7919)
      const decoder = deliver(data, 50, redundancy, () => random() >= loss)
      expect(decoder.block(), `loss ${loss} seed ${seed}`).toEqual(data)
    }
  })

  it('fails cleanly, naming how many are missing, when fewer fragments arrive than the block has', () => {
    const data = seededBytes(5_000, 9)
    const random = mulberry32(99)
    // 40% loss against 10% redundancy: fewer than nbFrag fragments can arrive.
    const decoder = deliver(data, 50, 10, () => random() >= 0.4)
    expect(decoder.isComplete()).toBe(false)
    const error = (() => { try { decoder.block(); return undefined } catch (e) { return e } })()
    expect(error).toBeInstanceOf(LoraFragmentsMissingError)
    expect((error as LoraFragmentsMissingError).missing).toBe(decoder.status().missing)
    expect(decoder.status().missing).toBeGreaterThan(0)
  })

  it('ignores duplicates and refuses fragments of the wrong size', () => {
    const block = fragmentBlock(referenceData, 10, 2)
    const decoder = new FragDecoder(10, 10)
    decoder.push(1, block.fragments[0]!)
    expect(decoder.push(1, block.fragments[0]!).received).toBe(1)
    expect(() => decoder.push(2, new Uint8Array(9))).toThrow(/9 bytes, the session's FragSize is 10/)
  })
})
