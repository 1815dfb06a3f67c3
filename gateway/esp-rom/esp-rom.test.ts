/**
 * The ESP32 ROM path: Espressif's esptool-js, through the Web Serial adapter and serialport,
 * across a real socat pty to a simulated ESP32 ROM (test/support/esp-rom-device.ts; the real ROM
 * cannot run here). 8N1 without reset: ptys have no DTR/RTS.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { espRomFlash } from './index.js'
import { buildEspImage } from '../esp-image/index.js'
import { openSerialLink } from '../link/index.js'
import type { ByteLink } from '../link/index.js'
import { espRomDevice } from '../../test/support/esp-rom-device.js'
import { ptyPair } from '../../test/support/gateway-ptys.js'
import type { PtyPair } from '../../test/support/gateway-ptys.js'

let pty: PtyPair | undefined
let link: ByteLink | undefined
afterEach(async () => {
  await link?.close()
  await pty?.stop()
  pty = undefined
})

describe('ESP32 ROM bootloader through esptool-js', () => {
  it('detects the chip, writes compressed, and the ROM MD5 matches', async () => {
    pty = await ptyPair()
    link = await openSerialLink({ path: pty.device })
    const rom = espRomDevice(link)
    const image = buildEspImage({ version: '1.0.0', seed: 3, payloadBytes: 30_000 })
    const progress: number[] = []
    const r = await espRomFlash(image, { path: pty.gateway, baudRate: 115200, mode: '8n1', reset: false, onProgress: (d) => progress.push(d) })
    expect(r).toMatchObject({ chip: 'ESP32', bytes: image.length, address: 0x10000 })
    expect(rom.flash.subarray(0x10000, 0x10000 + image.length)).toEqual(image)
    expect(rom.commands).toContain(0x10) // compressed write
    expect(rom.commands).toContain(0x13) // MD5 read-back
    expect(progress.at(-1)).toBeGreaterThan(0)
    rom.stop()
  }, 60_000)

  it('says what to do when no ROM answers', async () => {
    pty = await ptyPair()
    await expect(espRomFlash(new Uint8Array(64), { path: pty.gateway, baudRate: 115200, mode: '8n1', reset: false }))
      .rejects.toMatchObject({ code: 'FLEET_ERR_ESP_ROM', message: expect.stringMatching(/hold BOOT \(GPIO0\) low/) as unknown })
  }, 60_000)
})
