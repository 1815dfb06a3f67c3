/** TS005 against the brocaar/lorawan applayer/multicastsetup reference vectors (commands and keys). */
import { describe, expect, it } from 'vitest'
import { decodeMcUplink, encodeMcDownlink, encryptMcKey, mcAppSKey, mcKEKey, mcNetSKey, mcRootKeyForAppKey, mcRootKeyForGenAppKey } from './multicast.js'
import { createCipheriv } from 'node:crypto'

const key = (first: number): Uint8Array => Uint8Array.of(first, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)

describe('TS005 multicast setup', () => {
  it('encodes McGroupSetupReq, McGroupDeleteReq and McClassCSessionReq to the reference bytes', () => {
    const mcKeyEncrypted = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8)
    expect([...encodeMcDownlink({ cid: 'McGroupSetupReq', mcGroupId: 2, mcAddr: 0x01020304, mcKeyEncrypted, minMcFCnt: 100, maxMcFCnt: 200 })])
      .toEqual([0x2, 0x2, 0x4, 0x3, 0x2, 0x1, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, 0x64, 0x0, 0x0, 0x0, 0xc8, 0x0, 0x0, 0x0])
    expect([...encodeMcDownlink({ cid: 'McGroupDeleteReq', mcGroupId: 3 })]).toEqual([0x03, 0x03])
    expect([...encodeMcDownlink({ cid: 'McClassCSessionReq', mcGroupId: 3, sessionTime: 134480385, sessionTimeOut: 8, dlFrequencyHz: 868100000, dr: 4 })])
      .toEqual([0x04, 0x03, 0x01, 0x02, 0x04, 0x08, 0x08, 0x28, 0x76, 0x84, 0x04])
  })

  it('decodes the reference answers', () => {
    expect(decodeMcUplink(Uint8Array.of(0x02, 0x07))).toEqual({ cid: 'McGroupSetupAns', mcGroupId: 3, idError: true })
    expect(decodeMcUplink(Uint8Array.of(0x03, 0x05))).toEqual({ cid: 'McGroupDeleteAns', mcGroupId: 1, mcGroupUndefined: true })
    expect(decodeMcUplink(Uint8Array.of(0x04, 0x03, 0x01, 0x02, 0x04))).toMatchObject({ cid: 'McClassCSessionAns', mcGroupId: 3, timeToStart: 262657 })
    expect(decodeMcUplink(Uint8Array.of(0x04, 0x1f))).toEqual({ cid: 'McClassCSessionAns', mcGroupId: 3, drError: true, freqError: true, mcGroupUndefined: true })
    expect(() => decodeMcUplink(Uint8Array.of(0x04, 0x03, 0x01, 0x02))).toThrow(/TimeToStart/)
    expect(() => encodeMcDownlink({ cid: 'McGroupDeleteReq', mcGroupId: 4 })).toThrow(/McGroupID 4/)
  })

  it('derives the reference keys', () => {
    expect([...mcRootKeyForGenAppKey(key(3))]).toEqual([0x55, 0x34, 0x4e, 0x82, 0x57, 0xe, 0xae, 0xc8, 0xbf, 0x3, 0xb9, 0x99, 0x62, 0xd1, 0xf4, 0x45])
    expect([...mcRootKeyForAppKey(key(2))]).toEqual([0x26, 0x4f, 0xd8, 0x59, 0x58, 0x3f, 0xcc, 0x67, 0x2, 0x41, 0xac, 0x7, 0x1c, 0xc9, 0xf5, 0xbb])
    expect([...mcKEKey(key(4))]).toEqual([0x90, 0x83, 0xbe, 0xbf, 0x70, 0x42, 0x57, 0x88, 0x31, 0x60, 0xdb, 0xfc, 0xde, 0x33, 0xad, 0x71])
    expect([...mcAppSKey(key(1), 0x01020304)]).toEqual([0x95, 0xcb, 0x45, 0x18, 0xee, 0x37, 0x56, 0x6, 0x73, 0x5b, 0xba, 0xcb, 0xdc, 0xe8, 0x37, 0xfa])
    expect([...mcNetSKey(key(1), 0x01020304)]).toEqual([0xc3, 0xf6, 0xb3, 0x88, 0xba, 0xd6, 0xc0, 0x0, 0xb2, 0x32, 0x91, 0xad, 0x52, 0xc1, 0x1c, 0x7b])
  })

  it('encrypts McKey so that the device, encrypting it with McKEKey, gets McKey back', () => {
    const kek = mcKEKey(key(4))
    const mcKey = key(9)
    const sent = encryptMcKey(kek, mcKey)
    const cipher = createCipheriv('aes-128-ecb', kek, null).setAutoPadding(false)
    expect(new Uint8Array(Buffer.concat([cipher.update(sent), cipher.final()]))).toEqual(mcKey)
  })
})
