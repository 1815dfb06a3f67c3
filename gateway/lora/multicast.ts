/**
 * LoRaWAN TS005 v1.0.0 "Remote Multicast Setup" (FPort 200): the commands that put devices
 * into a multicast group, so one downlink (a fragment) reaches every member, and the key
 * derivations the group's session keys come from. Addresses go on the wire little endian.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto'
import { LoraFragmentationError } from './errors.js'

export type McDownlink =
  | { cid: 'McGroupSetupReq', mcGroupId: number, mcAddr: number, mcKeyEncrypted: Uint8Array, minMcFCnt: number, maxMcFCnt: number }
  | { cid: 'McGroupDeleteReq', mcGroupId: number }
  | { cid: 'McClassCSessionReq', mcGroupId: number, sessionTime: number, sessionTimeOut: number, dlFrequencyHz: number, dr: number }

export type McUplink =
  | { cid: 'McGroupSetupAns', mcGroupId: number, idError: boolean }
  | { cid: 'McGroupDeleteAns', mcGroupId: number, mcGroupUndefined: boolean }
  | { cid: 'McClassCSessionAns', mcGroupId: number, drError: boolean, freqError: boolean, mcGroupUndefined: boolean, timeToStart?: number }

function check (ok: boolean, what: string): void {
  if (!ok) throw new LoraFragmentationError(`TS005: ${what}`)
}

function groupId (id: number): number {
  check(Number.isInteger(id) && id >= 0 && id <= 3, `McGroupID ${id} is not 0..3`)
  return id
}

export function encodeMcDownlink (cmd: McDownlink): Uint8Array {
  switch (cmd.cid) {
    case 'McGroupSetupReq': {
      check(cmd.mcKeyEncrypted.length === 16, 'McKey_encrypted must be 16 bytes')
      const b = new Uint8Array(30)
      const v = new DataView(b.buffer)
      b[0] = 0x02
      b[1] = groupId(cmd.mcGroupId)
      v.setUint32(2, cmd.mcAddr >>> 0, true)
      b.set(cmd.mcKeyEncrypted, 6)
      v.setUint32(22, cmd.minMcFCnt >>> 0, true)
      v.setUint32(26, cmd.maxMcFCnt >>> 0, true)
      return b
    }
    case 'McGroupDeleteReq':
      return Uint8Array.of(0x03, groupId(cmd.mcGroupId))
    case 'McClassCSessionReq': {
      check(cmd.dlFrequencyHz % 100 === 0 && cmd.dlFrequencyHz < 2 ** 24 * 100, `frequency ${cmd.dlFrequencyHz} Hz is not a multiple of 100 Hz below 1.68 GHz`)
      check(Number.isInteger(cmd.sessionTimeOut) && cmd.sessionTimeOut >= 0 && cmd.sessionTimeOut <= 15, 'SessionTimeOut is 4 bits')
      const b = new Uint8Array(11)
      const v = new DataView(b.buffer)
      b[0] = 0x04
      b[1] = groupId(cmd.mcGroupId)
      v.setUint32(2, cmd.sessionTime >>> 0, true)
      b[6] = cmd.sessionTimeOut
      const f = cmd.dlFrequencyHz / 100
      b[7] = f & 0xff; b[8] = (f >> 8) & 0xff; b[9] = (f >> 16) & 0xff
      b[10] = cmd.dr
      return b
    }
  }
}

export function decodeMcUplink (bytes: Uint8Array): McUplink {
  check(bytes.length >= 2, `an answer needs 2 bytes, got ${bytes.length}`)
  const s = bytes[1]!
  switch (bytes[0]) {
    case 0x02: return { cid: 'McGroupSetupAns', mcGroupId: s & 3, idError: (s & 4) !== 0 }
    case 0x03: return { cid: 'McGroupDeleteAns', mcGroupId: s & 3, mcGroupUndefined: (s & 4) !== 0 }
    case 0x04: {
      const answer: McUplink = { cid: 'McClassCSessionAns', mcGroupId: s & 3, drError: (s & 4) !== 0, freqError: (s & 8) !== 0, mcGroupUndefined: (s & 16) !== 0 }
      if ((s & 0x1c) !== 0) return answer
      check(bytes.length >= 5, 'McClassCSessionAns without errors needs TimeToStart (5 bytes)')
      return { ...answer, timeToStart: bytes[2]! | (bytes[3]! << 8) | (bytes[4]! << 16) }
    }
    default: throw new LoraFragmentationError(`TS005: unknown uplink CID 0x${bytes[0]!.toString(16)}`)
  }
}

function aesBlock (key: Uint8Array, block: Uint8Array, decrypt = false): Uint8Array {
  const cipher = decrypt ? createDecipheriv('aes-128-ecb', key, null) : createCipheriv('aes-128-ecb', key, null)
  cipher.setAutoPadding(false)
  return Uint8Array.from(Buffer.concat([cipher.update(block), cipher.final()]))
}

const zeroBlock = (first = 0): Uint8Array => { const b = new Uint8Array(16); b[0] = first; return b }
const addrBlock = (first: number, mcAddr: number): Uint8Array => {
  const b = zeroBlock(first)
  new DataView(b.buffer).setUint32(1, mcAddr >>> 0, true)
  return b
}

/** McRootKey from a LoRaWAN 1.0.x device's GenAppKey. */
export const mcRootKeyForGenAppKey = (genAppKey: Uint8Array): Uint8Array => aesBlock(genAppKey, zeroBlock())
/** McRootKey from a LoRaWAN 1.1 device's AppKey. */
export const mcRootKeyForAppKey = (appKey: Uint8Array): Uint8Array => aesBlock(appKey, zeroBlock(0x20))
export const mcKEKey = (mcRootKey: Uint8Array): Uint8Array => aesBlock(mcRootKey, zeroBlock())
export const mcAppSKey = (mcKey: Uint8Array, mcAddr: number): Uint8Array => aesBlock(mcKey, addrBlock(0x01, mcAddr))
export const mcNetSKey = (mcKey: Uint8Array, mcAddr: number): Uint8Array => aesBlock(mcKey, addrBlock(0x02, mcAddr))
/** The server sends McKey_encrypted = aes128_decrypt(McKEKey, McKey); the device encrypts it back. */
export const encryptMcKey = (kek: Uint8Array, mcKey: Uint8Array): Uint8Array => aesBlock(kek, mcKey, true)
