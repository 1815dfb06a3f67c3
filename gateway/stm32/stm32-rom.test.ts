/**
 * The AN3155 client against a simulated STM32 system bootloader (test/support/an3155-device.ts:
 * the real ROM cannot run here) across a real socat pty pair, 8N1 without reset (ptys have
 * neither parity nor modem lines; real parts want 8E1).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { stm32Flash, stm32Info } from './index.js'
import { openSerialLink } from '../link/index.js'
import type { ByteLink } from '../link/index.js'
import { systemClock } from '../../node/ports/index.js'
import { an3155Device } from '../../test/support/an3155-device.js'
import type { An3155Device, An3155DeviceOptions } from '../../test/support/an3155-device.js'
import { ptyPair } from '../../test/support/gateway-ptys.js'
import type { PtyPair } from '../../test/support/gateway-ptys.js'

const clock = systemClock()
let pty: PtyPair | undefined
let deviceLink: ByteLink | undefined
let device: An3155Device | undefined

afterEach(async () => {
  device?.stop()
  await deviceLink?.close()
  await pty?.stop()
  pty = undefined
})

async function setup (o: An3155DeviceOptions = {}): Promise<{ path: string, device: An3155Device }> {
  pty = await ptyPair()
  deviceLink = await openSerialLink({ path: pty.device })
  device = an3155Device(deviceLink, clock, o)
  return { path: pty.gateway, device }
}

describe('STM32 system bootloader (AN3155) over a pty', () => {
  it('syncs and identifies the part', async () => {
    const { path } = await setup()
    const info = await stm32Info({ path, baudRate: 115200, mode: '8n1' }, { clock, reset: false })
    expect(info).toEqual({ bootloaderVersion: '2.2', commands: [0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44], productId: 0x410 })
  })

  it('erases only the pages the image needs, writes, reads every block back and jumps to it', async () => {
    const { path, device } = await setup()
    device.flash.fill(0x00, 20 * 1024, 21 * 1024) // an old app beyond the image stays untouched
    const image = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7 + 3) & 0xff)
    const seen: number[] = []
    const r = await stm32Flash({ path, baudRate: 115200, mode: '8n1' }, image, { clock, reset: false, onProgress: (d) => seen.push(d) })
    expect(r).toMatchObject({ productId: 0x410, bytes: 10_000, address: 0x08000000, erasedPages: 10 })
    expect(device.flash.subarray(0, 10_000)).toEqual(image)
    expect(device.flash[10_000]).toBe(0xff) // padding to a word is the erased value
    expect(device.flash[20 * 1024]).toBe(0x00)
    expect(device.startedAt()).toBe(0x08000000)
    expect(seen.at(-1)).toBe(10_000)
  })

  it('uses legacy Erase when the bootloader has no Extended Erase', async () => {
    const { path, device } = await setup({ extendedErase: false })
    device.flash.fill(0x00)
    const image = new Uint8Array(3000).fill(0x5a)
    await stm32Flash({ path, baudRate: 115200, mode: '8n1' }, image, { clock, reset: false })
    expect(device.flash.subarray(0, 3000).every((b) => b === 0x5a)).toBe(true)
    expect(device.flash[3 * 1024]).toBe(0x00)
  })

  it('refuses an address outside flash with a NACK, and says so', async () => {
    const { path } = await setup()
    await expect(stm32Flash({ path, baudRate: 115200, mode: '8n1' }, new Uint8Array(16), { clock, reset: false, address: 0x08100000 }))
      .rejects.toMatchObject({ code: 'FLEET_ERR_STM32_BOOTLOADER', message: expect.stringMatching(/refused .* \(NACK\)/) as unknown })
  })

  it('names the fix when nothing answers the sync', async () => {
    pty = await ptyPair()
    await expect(stm32Info({ path: pty.gateway, baudRate: 115200, mode: '8n1' }, { clock, reset: false }))
      .rejects.toMatchObject({ code: 'FLEET_ERR_STM32_BOOTLOADER', message: expect.stringMatching(/hold BOOT0 high/) as unknown })
  })
})
