import { describe, expect, it } from 'vitest'
import { seededBytes } from '../../test/support/seeded-bytes.js'
import { buildStm32Image, checkStm32Image, DEV_IDS, HEADER_BYTES, Offset, parseStm32Image } from './index.js'

function thrown (fn: () => unknown): unknown {
  try { fn() } catch (error) { return error }
  throw new Error('expected a throw')
}

const F411 = 0x8000 | (DEV_IDS.stm32f411 ?? 0)

describe('FleetD STM32 image header', () => {
  const payload = seededBytes(7, 10_000)
  const image = buildStm32Image({ chip: 'stm32f411', version: '1.4.2', projectName: 'pump', secureVersion: 3, payload })

  it('reads back what it was built with; the payload follows the 512-byte header unchanged', () => {
    expect(parseStm32Image(image)).toMatchObject({ devId: 0x431, chip: 'stm32f411', version: '1.4.2', projectName: 'pump', secureVersion: 3, loadAddr: 0, payloadBytes: 10_000 })
    expect(image.length).toBe(HEADER_BYTES + payload.length)
    expect(image.subarray(HEADER_BYTES)).toEqual(payload)
    // The C side reads the same offsets (firmware-bridge/src/stm32_image.h).
    expect(new TextDecoder().decode(image.subarray(Offset.VERSION, Offset.VERSION + 5))).toBe('1.4.2')
  })

  const broken = (mutate: (b: Uint8Array) => Uint8Array): Uint8Array => mutate(image.slice())
  const cases: Array<[string, Uint8Array, string, RegExp]> = [
    ['a header only', image.subarray(0, 100), 'truncated', /shorter than the 512-byte/],
    ['a truncated payload', image.subarray(0, image.length - 1), 'truncated', /the image is truncated/],
    ['extra bytes', new Uint8Array([...image, 0]), 'length', /followed by extra bytes/],
    ['a raw binary', payload, 'magic', /fleet-node mcu image/],
    ['a flipped header bit', broken((b) => { b[Offset.SECURE_VERSION] = b[Offset.SECURE_VERSION]! ^ 1; return b }), 'header', /header CRC-32/],
    ['a flipped payload bit', broken((b) => { b[HEADER_BYTES + 5000] = b[HEADER_BYTES + 5000]! ^ 1; return b }), 'sha256', /does not match the SHA-256/],
    ['a non-zero reserved byte', broken((b) => { b[300] = 1; return b }), 'header', /reserved header fields/]
  ]
  for (const [what, bytes, problem, message] of cases) {
    it(`refuses ${what} (${problem})`, () => {
      const error = thrown(() => parseStm32Image(bytes))
      expect(error).toMatchObject({ code: 'FLEET_ERR_STM32_IMAGE', problem })
      expect((error as Error).message).toMatch(message)
    })
  }

  it('refuses another part and a downgrade below the device\'s secure version, saying what to do', () => {
    expect(() => checkStm32Image(image, { chip: 0x8000 | (DEV_IDS.stm32l47x ?? 0) })).toThrow(/built for stm32f411 \(DEV_ID 0x431\) but the device is stm32l47x \(DEV_ID 0x415\)/)
    expect(thrown(() => checkStm32Image(image, { chip: 0 }))).toMatchObject({ problem: 'wrong-chip' })
    const downgrade = thrown(() => checkStm32Image(image, { chip: F411, minSecureVersion: 4 }))
    expect(downgrade).toMatchObject({ problem: 'downgrade' })
    expect((downgrade as Error).message).toMatch(/--secure-version 4/)
    expect(checkStm32Image(image, { chip: F411, minSecureVersion: 3 }).version).toBe('1.4.2')
  })

  it('refuses to build what it could not read back', () => {
    expect(() => buildStm32Image({ chip: 'stm32zz', version: '1', payload })).toThrow(/unknown STM32 part stm32zz/)
    expect(() => buildStm32Image({ chip: 'stm32f411', version: 'x'.repeat(32), payload })).toThrow(/at most 31/)
    expect(() => buildStm32Image({ chip: 'stm32f411', version: '1', payload: new Uint8Array(0) })).toThrow(/1\.\.2097152 bytes/)
  })
})
