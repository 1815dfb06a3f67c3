/**
 * LoRaWAN TS004 v1.0.0 "Fragmented Data Block Transport" commands (FPort 201): encoding and
 * bounded decoding. Field layouts follow the specification; multi-byte fields are little endian.
 */
import { FRAG_INDEX_MAX, FRAG_SESSIONS_MAX } from './constants.js'
import { LoraFragmentationError } from './errors.js'

export const FragCid = {
  PackageVersion: 0x00,
  FragSessionStatus: 0x01,
  FragSessionSetup: 0x02,
  FragSessionDelete: 0x03,
  DataFragment: 0x08
} as const

/** Downlink commands (server → device). */
export type FragDownlink =
  | { cid: 'PackageVersionReq' }
  | { cid: 'FragSessionStatusReq', fragIndex: number, participants: boolean }
  | { cid: 'FragSessionSetupReq', fragIndex: number, mcGroupBitMask: number, nbFrag: number, fragSize: number, fragAlgo: number, blockAckDelay: number, padding: number, descriptor: number }
  | { cid: 'FragSessionDeleteReq', fragIndex: number }
  | { cid: 'DataFragment', fragIndex: number, n: number, payload: Uint8Array }

/** Uplink answers (device → server). */
export type FragUplink =
  | { cid: 'PackageVersionAns', packageIdentifier: number, packageVersion: number }
  | { cid: 'FragSessionStatusAns', fragIndex: number, nbFragReceived: number, missingFrag: number, notEnoughMatrixMemory: boolean }
  | { cid: 'FragSessionSetupAns', fragIndex: number, encodingUnsupported: boolean, notEnoughMemory: boolean, fragSessionIndexNotSupported: boolean, wrongDescriptor: boolean }
  | { cid: 'FragSessionDeleteAns', fragIndex: number, sessionDoesNotExist: boolean }

function check (ok: boolean, what: string): void {
  if (!ok) throw new LoraFragmentationError(`TS004: ${what}`)
}

function checkIndex (fragIndex: number): void {
  check(Number.isInteger(fragIndex) && fragIndex >= 0 && fragIndex < FRAG_SESSIONS_MAX, `fragIndex ${fragIndex} is not 0..3`)
}

function u8 (value: number, name: string, max = 0xff): number {
  check(Number.isInteger(value) && value >= 0 && value <= max, `${name} ${value} is not 0..${max}`)
  return value
}

export function encodeFragDownlink (cmd: FragDownlink): Uint8Array {
  switch (cmd.cid) {
    case 'PackageVersionReq':
      return Uint8Array.of(FragCid.PackageVersion)
    case 'FragSessionStatusReq':
      checkIndex(cmd.fragIndex)
      return Uint8Array.of(FragCid.FragSessionStatus, (cmd.fragIndex << 1) | (cmd.participants ? 1 : 0))
    case 'FragSessionSetupReq': {
      checkIndex(cmd.fragIndex)
      const b = new Uint8Array(11)
      b[0] = FragCid.FragSessionSetup
      b[1] = (cmd.fragIndex << 4) | u8(cmd.mcGroupBitMask, 'mcGroupBitMask', 0x0f)
      new DataView(b.buffer).setUint16(2, u8(cmd.nbFrag, 'nbFrag', 0xffff), true)
      b[4] = u8(cmd.fragSize, 'fragSize')
      b[5] = (u8(cmd.fragAlgo, 'fragAlgo', 7) << 3) | u8(cmd.blockAckDelay, 'blockAckDelay', 7)
      b[6] = u8(cmd.padding, 'padding')
      new DataView(b.buffer).setUint32(7, u8(cmd.descriptor, 'descriptor', 0xffffffff), true)
      return b
    }
    case 'FragSessionDeleteReq':
      checkIndex(cmd.fragIndex)
      return Uint8Array.of(FragCid.FragSessionDelete, cmd.fragIndex)
    case 'DataFragment': {
      checkIndex(cmd.fragIndex)
      u8(cmd.n, 'fragment number N', FRAG_INDEX_MAX)
      const b = new Uint8Array(3 + cmd.payload.length)
      b[0] = FragCid.DataFragment
      b[1] = cmd.n & 0xff
      b[2] = (cmd.n >> 8) | (cmd.fragIndex << 6)
      b.set(cmd.payload, 3)
      return b
    }
  }
}

function need (bytes: Uint8Array, length: number, name: string): void {
  check(bytes.length >= length, `${name} needs ${length} bytes, got ${bytes.length}`)
}

/** Decodes one downlink command from the start of `bytes` (a DataFragment takes the rest). */
export function decodeFragDownlink (bytes: Uint8Array): FragDownlink {
  need(bytes, 1, 'a command')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  switch (bytes[0]) {
    case FragCid.PackageVersion: return { cid: 'PackageVersionReq' }
    case FragCid.FragSessionStatus:
      need(bytes, 2, 'FragSessionStatusReq')
      return { cid: 'FragSessionStatusReq', fragIndex: (bytes[1]! >> 1) & 3, participants: (bytes[1]! & 1) === 1 }
    case FragCid.FragSessionSetup:
      need(bytes, 11, 'FragSessionSetupReq')
      return {
        cid: 'FragSessionSetupReq',
        fragIndex: (bytes[1]! >> 4) & 3,
        mcGroupBitMask: bytes[1]! & 0x0f,
        nbFrag: view.getUint16(2, true),
        fragSize: bytes[4]!,
        fragAlgo: (bytes[5]! >> 3) & 7,
        blockAckDelay: bytes[5]! & 7,
        padding: bytes[6]!,
        descriptor: view.getUint32(7, true)
      }
    case FragCid.FragSessionDelete:
      need(bytes, 2, 'FragSessionDeleteReq')
      return { cid: 'FragSessionDeleteReq', fragIndex: bytes[1]! & 3 }
    case FragCid.DataFragment:
      need(bytes, 3, 'DataFragment')
      return { cid: 'DataFragment', n: view.getUint16(1, true) & FRAG_INDEX_MAX, fragIndex: bytes[2]! >> 6, payload: bytes.slice(3) }
    default:
      throw new LoraFragmentationError(`TS004: unknown downlink CID 0x${bytes[0]!.toString(16)}; the sender speaks another package version`)
  }
}

export function encodeFragUplink (cmd: FragUplink): Uint8Array {
  switch (cmd.cid) {
    case 'PackageVersionAns':
      return Uint8Array.of(FragCid.PackageVersion, u8(cmd.packageIdentifier, 'packageIdentifier'), u8(cmd.packageVersion, 'packageVersion'))
    case 'FragSessionStatusAns': {
      checkIndex(cmd.fragIndex)
      u8(cmd.nbFragReceived, 'nbFragReceived', FRAG_INDEX_MAX)
      return Uint8Array.of(FragCid.FragSessionStatus, cmd.nbFragReceived & 0xff, (cmd.nbFragReceived >> 8) | (cmd.fragIndex << 6),
        u8(cmd.missingFrag, 'missingFrag'), cmd.notEnoughMatrixMemory ? 1 : 0)
    }
    case 'FragSessionSetupAns':
      checkIndex(cmd.fragIndex)
      return Uint8Array.of(FragCid.FragSessionSetup, (cmd.fragIndex << 6) | (cmd.wrongDescriptor ? 8 : 0) |
        (cmd.fragSessionIndexNotSupported ? 4 : 0) | (cmd.notEnoughMemory ? 2 : 0) | (cmd.encodingUnsupported ? 1 : 0))
    case 'FragSessionDeleteAns':
      checkIndex(cmd.fragIndex)
      return Uint8Array.of(FragCid.FragSessionDelete, cmd.fragIndex | (cmd.sessionDoesNotExist ? 4 : 0))
  }
}

export function decodeFragUplink (bytes: Uint8Array): FragUplink {
  need(bytes, 1, 'an answer')
  switch (bytes[0]) {
    case FragCid.PackageVersion:
      need(bytes, 3, 'PackageVersionAns')
      return { cid: 'PackageVersionAns', packageIdentifier: bytes[1]!, packageVersion: bytes[2]! }
    case FragCid.FragSessionStatus:
      need(bytes, 5, 'FragSessionStatusAns')
      return {
        cid: 'FragSessionStatusAns',
        nbFragReceived: (bytes[1]! | (bytes[2]! << 8)) & FRAG_INDEX_MAX,
        fragIndex: bytes[2]! >> 6,
        missingFrag: bytes[3]!,
        notEnoughMatrixMemory: (bytes[4]! & 1) === 1
      }
    case FragCid.FragSessionSetup: {
      need(bytes, 2, 'FragSessionSetupAns')
      const s = bytes[1]!
      return { cid: 'FragSessionSetupAns', fragIndex: s >> 6, wrongDescriptor: (s & 8) !== 0, fragSessionIndexNotSupported: (s & 4) !== 0, notEnoughMemory: (s & 2) !== 0, encodingUnsupported: (s & 1) !== 0 }
    }
    case FragCid.FragSessionDelete:
      need(bytes, 2, 'FragSessionDeleteAns')
      return { cid: 'FragSessionDeleteAns', fragIndex: bytes[1]! & 3, sessionDoesNotExist: (bytes[1]! & 4) !== 0 }
    default:
      throw new LoraFragmentationError(`TS004: unknown uplink CID 0x${bytes[0]!.toString(16)}`)
  }
}
