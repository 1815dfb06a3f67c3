/**
 * `fleet-node mcu` end to end: the built CLI bundle (npm test's pretest builds it) against the
 * host-built C bridge and the simulated STM32 ROM, each on a real socat pty.
 */
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildEspImage } from '../../../gateway/esp-image/index.js'
import { openSerialLink } from '../../../gateway/link/index.js'
import type { ByteLink } from '../../../gateway/link/index.js'
import { systemClock } from '../../ports/index.js'
import { an3155Device } from '../../../test/support/an3155-device.js'
import { espRomDevice } from '../../../test/support/esp-rom-device.js'
import { buildFirmwareBridge, installFactoryImage, ptyPair, startFbHost } from '../../../test/support/gateway-ptys.js'
import type { FbHost, PtyPair } from '../../../test/support/gateway-ptys.js'

const CLI = resolve('dist/bundle/fleet-node.mjs')
const run = async (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { timeout: 60_000 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number, stdout: string, stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

let pty: PtyPair | undefined
let device: FbHost | undefined
let link: ByteLink | undefined
beforeAll(() => { buildFirmwareBridge() })
afterEach(async () => {
  await link?.close()
  await device?.stop()
  await pty?.stop()
  link = undefined
  device = undefined
  pty = undefined
})

async function bridgeDevice (): Promise<PtyPair> {
  pty = await ptyPair()
  await writeFile(join(pty.dir, 'v1.bin'), buildEspImage({ version: '1.0.0', seed: 1, payloadBytes: 30_000 }))
  installFactoryImage(join(pty.dir, 'flash.bin'), join(pty.dir, 'v1.bin'))
  device = startFbHost({ port: pty.device, flash: join(pty.dir, 'flash.bin') })
  return pty
}

describe('fleet-node mcu', () => {
  it('info and flash through the bridge: read-back, exit 0; wrong chip exit 1; unhealthy image exit 3', async () => {
    const p = await bridgeDevice()
    const info = await run(['mcu', 'info', '--port', p.gateway, '--mcu', 'esp32', '--json'])
    expect(info.code).toBe(0)
    expect(JSON.parse(info.stdout)).toMatchObject({ chip: 'esp32', runningVersion: '1.0.0', runningSlot: 0 })

    await writeFile(join(p.dir, 'v2.bin'), buildEspImage({ version: '2.0.0', seed: 2, payloadBytes: 30_000 }))
    const flash = await run(['mcu', 'flash', '--port', p.gateway, '--mcu', 'esp32', '--file', join(p.dir, 'v2.bin'), '--json'])
    expect(flash.code, flash.stderr).toBe(0)
    expect(JSON.parse(flash.stdout)).toMatchObject({ outcome: 'updated', runningVersion: '2.0.0', image: { chip: 'esp32', version: '2.0.0' }, device: { runningVersion: '2.0.0', slots: [{ state: 'valid' }, { state: 'valid' }] } })

    await writeFile(join(p.dir, 's3.bin'), buildEspImage({ chip: 'esp32-s3', version: '3.0.0', payloadBytes: 8_000 }))
    const wrong = await run(['mcu', 'flash', '--port', p.gateway, '--mcu', 'esp32', '--file', join(p.dir, 's3.bin')])
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/built for esp32-s3 but the device is esp32.*FLEET_ERR_ESP_IMAGE/)

    await writeFile(join(p.dir, 'bad.bin'), buildEspImage({ version: '3.0.0', projectName: 'fb-unhealthy', seed: 3, payloadBytes: 8_000 }))
    const bad = await run(['mcu', 'flash', '--port', p.gateway, '--mcu', 'esp32', '--file', join(p.dir, 'bad.bin')])
    expect(bad.code).toBe(3)
    expect(bad.stdout).toMatch(/rolled-back: the device runs 2\.0\.0/)
  })

  it('flashes an STM32 through its ROM bootloader (simulated, 8N1 without reset on a pty)', async () => {
    pty = await ptyPair()
    link = await openSerialLink({ path: pty.device })
    const rom = an3155Device(link, systemClock())
    const image = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff)
    await writeFile(join(pty.dir, 'app.bin'), image)
    const r = await run(['mcu', 'flash', '--port', pty.gateway, '--mcu', 'stm32', '--via', 'rom', '--mode', '8n1', '--no-reset', '--file', join(pty.dir, 'app.bin'), '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ productId: 0x410, bytes: 5000, erasedPages: 5 })
    expect(rom.flash.subarray(0, 5000)).toEqual(image)
    expect(rom.startedAt()).toBe(0x08000000)
    rom.stop()
  })

  it('flashes a bare ESP32 through its ROM with esptool-js (simulated ROM, no reset on a pty)', async () => {
    pty = await ptyPair()
    link = await openSerialLink({ path: pty.device })
    const rom = espRomDevice(link)
    const image = buildEspImage({ version: '1.0.0', seed: 4, payloadBytes: 12_000 })
    await writeFile(join(pty.dir, 'app.bin'), image)
    const r = await run(['mcu', 'flash', '--port', pty.gateway, '--mcu', 'esp32', '--via', 'rom', '--no-reset', '--file', join(pty.dir, 'app.bin'), '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ chip: 'ESP32', bytes: image.length, address: 0x10000 })
    expect(rom.flash.subarray(0x10000, 0x10000 + image.length)).toEqual(image)
    rom.stop()
  })

  it('refuses bad usage with exit 2 and a hint', async () => {
    const r = await run(['mcu', 'flash', '--port', '/dev/null', '--mcu', 'avr', '--file', 'x'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--mcu must be esp32 or stm32, got 'avr'/)
    const b = await run(['mcu', 'info', '--port', '/dev/null', '--mcu', 'esp32', '--baud', '12345'])
    expect(b.code).toBe(2)
    expect(b.stderr).toMatch(/unsupported rate 12345/)
  })
})
