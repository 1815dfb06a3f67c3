import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { buildEspImage, checkEspImage, CHIP_IDS, parseEspImage } from './index.js'

function thrown (fn: () => unknown): unknown {
  try { fn() } catch (error) { return error }
  throw new Error('expected a throw')
}

const esp32 = CHIP_IDS.esp32 ?? 0

describe('ESP-IDF app image validation', () => {
  const image = buildEspImage({ chip: 'esp32', version: '1.4.2', projectName: 'thermostat', secureVersion: 3, payloadBytes: 10_000 })

  it('walks the segments and reads the app description of a well-formed image', () => {
    const info = parseEspImage(image)
    expect(info).toMatchObject({ chip: 'esp32', hashAppended: true, imageBytes: image.length })
    expect(info.segments).toHaveLength(2)
    expect(info.app).toMatchObject({ version: '1.4.2', projectName: 'thermostat', secureVersion: 3, idfVersion: 'v5.3.1' })
    // Layout as esptool writes it: checksum in the last byte of a 16-byte block, then the SHA-256.
    expect((info.imageBytes - 32) % 16).toBe(0)
    expect(createHash('sha256').update(image.subarray(0, image.length - 32)).digest().equals(image.subarray(image.length - 32))).toBe(true)
  })

  const broken = (mutate: (b: Uint8Array) => Uint8Array): Uint8Array => mutate(image.slice())
  const cases: Array<[string, Uint8Array, string]> = [
    ['truncated', image.subarray(0, 5000), 'truncated'],
    ['header only', image.subarray(0, 10), 'truncated'],
    ['not an image', broken((b) => { b[0] = 0x7f; return b }), 'magic'],
    ['zero segments', broken((b) => { b[1] = 0; return b }), 'segments'],
    ['a flipped payload bit', broken((b) => { b[3000] = b[3000]! ^ 1; return b }), 'checksum'],
    ['a damaged hash', broken((b) => { b[b.length - 1] = b[b.length - 1]! ^ 1; return b }), 'sha256'],
    ['a changed app description byte', buildEspImage({ version: 'x', payloadBytes: 4000 }).map((v, i) => (i === 32 ? 0 : v)), 'checksum']
  ]
  for (const [what, bytes, problem] of cases) {
    it(`refuses ${what} (${problem})`, () => {
      expect(thrown(() => parseEspImage(bytes))).toMatchObject({ code: 'FLEET_ERR_ESP_IMAGE', problem })
    })
  }

  it('refuses an image without esp_app_desc_t even when its checksum is right', () => {
    const raw = buildEspImage({ version: '1', payloadBytes: 4000, hashAppended: false })
    const patched = raw.slice()
    patched[32] = patched[32]! ^ 0xff // break the app desc magic, then fix the checksum byte
    patched[patched.length - 1] = patched[patched.length - 1]! ^ 0xff
    expect(thrown(() => parseEspImage(patched))).toMatchObject({ problem: 'app-desc' })
  })

  it('refuses another chip and a downgrade below secure_version, saying what to do', () => {
    expect(() => checkEspImage(image, { chipId: CHIP_IDS['esp32-s3'] ?? 9 })).toThrow(/built for esp32 but the device is esp32-s3: build with idf.py set-target esp32-s3/)
    expect(thrown(() => checkEspImage(image, { chipId: esp32, minSecureVersion: 4 }))).toMatchObject({ problem: 'downgrade' })
    expect(checkEspImage(image, { chipId: esp32, minSecureVersion: 3 }).app.version).toBe('1.4.2')
  })
})
