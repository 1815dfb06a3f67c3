/**
 * `fleet-node mcu flash --mcu esp32 --via rom`: Espressif's esptool-js through the ROM
 * bootloader (no flasher stub: the ROM's own compressed-write and MD5 commands), for bare ESP32s
 * that run no bridge yet. Read-back is the ROM's MD5 of the written region.
 */
import { createHash } from 'node:crypto'
import { ESPLoader, Transport } from 'esptool-js'
import { openSerialLink } from '../link/index.js'
import type { ByteLink, SerialMode } from '../link/index.js'
import { webSerialAdapter } from './web-serial-adapter.js'
import { EspRomError } from './errors.js'

export interface EspRomFlashOptions { path: string, baudRate: number, mode: SerialMode, address?: number, reset: boolean, onProgress?: (done: number, total: number) => void }
export interface EspRomFlashResult { chip: string, bytes: number, address: number, md5: string }

/** The app partition of the default ESP-IDF partition table. */
export const DEFAULT_APP_ADDRESS = 0x10000

/** esptool-js's Transport, fed by our link; it prints some trace lines with console.log whatever
    its tracing flag says, which would corrupt `--json` output, so they are dropped. */
function quietTransport (link: ByteLink): Transport {
  const transport = new Transport(webSerialAdapter(link), false)
  transport.trace = (): void => {}
  return transport
}

/** Syncs with the ROM and names the chip (esptool-js's chip detection). */
export async function espRomInfo (o: Omit<EspRomFlashOptions, 'address' | 'onProgress'>): Promise<{ chip: string }> {
  const link = await openSerialLink({ path: o.path, baudRate: o.baudRate, mode: o.mode })
  try {
    const transport = quietTransport(link)
    const loader = new ESPLoader({ transport, baudrate: o.baudRate, romBaudrate: o.baudRate, terminal: { clean: () => {}, writeLine: () => {}, write: () => {} }, enableTracing: false, debugLogging: false })
    try {
      await loader.detectChip(o.reset ? 'default_reset' : 'no_reset')
    } catch (error) {
      throw new EspRomError(`no ESP ROM bootloader answered on ${o.path}: ${(error as Error).message}; hold BOOT (GPIO0) low while resetting, or drop --no-reset on a board with auto-reset`, { cause: error })
    }
    await transport.disconnect().catch(() => {})
    return { chip: loader.chip.CHIP_NAME }
  } finally {
    await link.close()
  }
}

export async function espRomFlash (image: Uint8Array, o: EspRomFlashOptions): Promise<EspRomFlashResult> {
  const link = await openSerialLink({ path: o.path, baudRate: o.baudRate, mode: o.mode })
  const address = o.address ?? DEFAULT_APP_ADDRESS
  try {
    const transport = quietTransport(link)
    const silent = { clean: () => {}, writeLine: () => {}, write: () => {} }
    const loader = new ESPLoader({ transport, baudrate: o.baudRate, romBaudrate: o.baudRate, terminal: silent, enableTracing: false, debugLogging: false })
    let chip: string
    try {
      await loader.detectChip(o.reset ? 'default_reset' : 'no_reset')
      chip = loader.chip.CHIP_NAME
    } catch (error) {
      throw new EspRomError(`no ESP ROM bootloader answered on ${o.path}: ${(error as Error).message}; hold BOOT (GPIO0) low while resetting, or drop --no-reset on a board with auto-reset`, { cause: error })
    }
    const md5 = createHash('md5').update(image).digest('hex')
    try {
      await loader.writeFlash({
        fileArray: [{ data: image, address }],
        flashMode: 'keep', flashFreq: 'keep', flashSize: 'keep', eraseAll: false, compress: true,
        reportProgress: (_i, written, total) => { o.onProgress?.(written, total) }
      })
    } catch (error) {
      throw new EspRomError(`writing ${image.length} bytes at 0x${address.toString(16)} through the ROM failed: ${(error as Error).message}`, { cause: error })
    }
    // Read-back by the ROM's MD5 of the region. The ROM answers 32 ASCII hex characters (a stub,
    // 16 raw bytes); esptool-js hex-encodes whatever came, so its own check (calculateMD5Hash)
    // cannot pass without the stub: decode the ROM form here instead.
    const raw = await loader.flashMd5sum(address, image.length)
    const flashMd5 = raw.length === 64 ? Buffer.from(raw, 'hex').toString('ascii') : raw
    if (flashMd5 !== md5) throw new EspRomError(`read-back MD5 of 0x${address.toString(16)}+${image.length} is ${flashMd5}, the file's is ${md5}: flash again`)
    await transport.disconnect().catch(() => {})
    return { chip, bytes: image.length, address, md5 }
  } finally {
    await link.close()
  }
}
