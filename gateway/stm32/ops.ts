/**
 * `fleet-node mcu info|flash --mcu stm32 --via rom`: sync, identify, erase what the image needs,
 * write in 256-byte blocks, read every block back, then Go.
 */
import { openSerialLink } from '../link/index.js'
import type { ByteLink, LinkSettings } from '../link/index.js'
import type { AbortOptions, Clock } from '../../node/ports/index.js'
import { Stm32Bootloader } from './client.js'
import { BLOCK_BYTES_MAX, FLASH_BASE, PAGE_BYTES } from './constants.js'
import { Stm32VerifyError } from './errors.js'

export interface Stm32PortOptions extends LinkSettings { path: string }
export interface Stm32Info { bootloaderVersion: string, commands: number[], productId: number }
export interface Stm32FlashResult extends Stm32Info { bytes: number, address: number, erasedPages: number | 'all', ms: number }

/** Resets into the bootloader with the usual wiring (DTR → NRST, RTS → BOOT0); a pty ignores it. */
async function enterBootloader (link: ByteLink, clock: Clock): Promise<void> {
  await link.setSignals({ rts: true, dtr: true })
  await clock.sleep(50)
  await link.setSignals({ rts: true, dtr: false })
  await clock.sleep(100)
}

async function withBootloader<T> (port: Stm32PortOptions, o: { clock: Clock, reset: boolean }, abort: AbortOptions, fn: (bl: Stm32Bootloader) => Promise<T>): Promise<T> {
  const link = await openSerialLink(port, abort)
  const bl = new Stm32Bootloader(link, o.clock)
  try {
    if (o.reset) await enterBootloader(link, o.clock)
    await bl.sync()
    await bl.get()
    return await fn(bl)
  } finally {
    bl.close()
    await link.close()
  }
}

const versionText = (v: number): string => `${v >> 4}.${v & 0xf}`

export async function stm32Info (port: Stm32PortOptions, o: { clock: Clock, reset: boolean }, abort: AbortOptions = {}): Promise<Stm32Info> {
  return await withBootloader(port, o, abort, async (bl) => ({ bootloaderVersion: versionText(bl.version), commands: bl.commands, productId: await bl.getId() }))
}

export async function stm32Flash (port: Stm32PortOptions, image: Uint8Array, o: { clock: Clock, reset: boolean, address?: number, onProgress?: (done: number, total: number) => void }, abort: AbortOptions = {}): Promise<Stm32FlashResult> {
  const address = o.address ?? FLASH_BASE
  const start = o.clock.nowMs()
  return await withBootloader(port, o, abort, async (bl) => {
    const productId = await bl.getId()
    const pageBytes = PAGE_BYTES[productId]
    let erasedPages: number[] | 'all' = 'all'
    if (pageBytes !== undefined && address >= FLASH_BASE) {
      const first = Math.floor((address - FLASH_BASE) / pageBytes)
      const last = Math.floor((address - FLASH_BASE + image.length - 1) / pageBytes)
      erasedPages = Array.from({ length: last - first + 1 }, (_, i) => first + i)
    }
    await bl.erase(erasedPages)
    for (let offset = 0; offset < image.length; offset += BLOCK_BYTES_MAX) {
      abort.signal?.throwIfAborted()
      const block = image.subarray(offset, offset + BLOCK_BYTES_MAX)
      await bl.write(address + offset, block)
      const back = await bl.read(address + offset, block.length)
      const bad = back.findIndex((b, i) => b !== block[i])
      if (bad !== -1) throw new Stm32VerifyError(`read-back at 0x${(address + offset + bad).toString(16)} is 0x${back[bad]!.toString(16)}, wrote 0x${block[bad]!.toString(16)}: flash not erased or failing; retry, then mass-erase`, address + offset + bad)
      o.onProgress?.(offset + block.length, image.length)
    }
    await bl.go(address)
    return { bootloaderVersion: versionText(bl.version), commands: bl.commands, productId, bytes: image.length, address, erasedPages: erasedPages === 'all' ? 'all' : erasedPages.length, ms: o.clock.nowMs() - start }
  })
}
