/**
 * A simulated STM32 system bootloader (ST AN3155) on the device end of a pty: the real
 * bootloader cannot run here, so this plays its byte protocol (sync, Get, Get ID, Read, Write
 * with checksum, Erase/Extended Erase, Go) over a NOR-like flash that refuses to program
 * bytes that are not erased, as an STM32F1 does.
 */
import { ByteReader } from '../../gateway/stm32/index.js'
import type { ByteLink } from '../../gateway/link/index.js'
import type { Clock } from '../../node/ports/index.js'

const ACK = 0x79
const NACK = 0x1f
const FLASH_BASE = 0x08000000

export interface An3155DeviceOptions { productId?: number, flashBytes?: number, pageBytes?: number, extendedErase?: boolean }
export interface An3155Device { flash: Uint8Array, startedAt: () => number | undefined, nacks: () => number, stop: () => void }

const xor = (b: Uint8Array): number => b.reduce((x, v) => x ^ v, 0)

export function an3155Device (link: ByteLink, clock: Clock, o: An3155DeviceOptions = {}): An3155Device {
  const pid = o.productId ?? 0x410
  const pageBytes = o.pageBytes ?? 1024
  const flash = new Uint8Array(o.flashBytes ?? 128 * 1024).fill(0xff)
  const commands = [0x00, 0x01, 0x02, 0x11, 0x21, 0x31, o.extendedErase === false ? 0x43 : 0x44]
  const reader = new ByteReader(link, clock)
  let stopped = false
  let started: number | undefined
  let nacks = 0
  const send = async (...bytes: number[]): Promise<void> => { await link.write(Uint8Array.from(bytes)) }
  const nack = async (): Promise<void> => { nacks++; await send(NACK) }
  const read = async (n: number): Promise<Uint8Array> => await reader.read(n, 5000, 'host')
  const inFlash = (addr: number, n: number): boolean => addr >= FLASH_BASE && addr + n <= FLASH_BASE + flash.length
  const readAddress = async (): Promise<number | undefined> => {
    const a = await read(5)
    if (xor(a.subarray(0, 4)) !== a[4]) return undefined
    return ((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) >>> 0
  }
  const erasePage = (page: number): boolean => {
    if ((page + 1) * pageBytes > flash.length) return false
    flash.fill(0xff, page * pageBytes, (page + 1) * pageBytes)
    return true
  }

  const serve = async (): Promise<void> => {
    let synced = false
    while (!stopped) {
      const [b] = await read(1).catch(() => [undefined])
      if (b === undefined) continue
      if (!synced) { if (b === 0x7f) { synced = true; await send(ACK) } continue }
      const [c] = await read(1)
      if (c !== (b ^ 0xff)) { await nack(); continue }
      if (!commands.includes(b)) { await nack(); continue }
      await send(ACK)
      switch (b) {
        case 0x00: await send(commands.length, 0x22, ...commands, ACK); break
        case 0x01: await send(0x22, 0, 0, ACK); break
        case 0x02: await send(1, pid >> 8, pid & 0xff, ACK); break
        case 0x11: {
          const addr = await readAddress()
          if (addr === undefined || !inFlash(addr, 1)) { await nack(); break }
          await send(ACK)
          const [n, nc] = await read(2)
          if (nc !== (n! ^ 0xff) || !inFlash(addr, n! + 1)) { await nack(); break }
          await send(ACK)
          await link.write(flash.slice(addr - FLASH_BASE, addr - FLASH_BASE + n! + 1))
          break
        }
        case 0x31: {
          const addr = await readAddress()
          if (addr === undefined || !inFlash(addr, 1)) { await nack(); break }
          await send(ACK)
          const [n] = await read(1)
          const data = await read(n! + 1)
          const [sum] = await read(1)
          if (sum !== (xor(data) ^ n!) || !inFlash(addr, data.length)) { await nack(); break }
          const at = addr - FLASH_BASE
          // Programming can only clear bits; an STM32F1 flags PGERR on a non-erased half-word.
          if (data.some((v, i) => flash[at + i] !== 0xff && flash[at + i] !== v)) { await nack(); break }
          flash.set(data, at)
          await send(ACK)
          break
        }
        case 0x43: case 0x44: {
          const ext = b === 0x44
          const head = await read(ext ? 2 : 1)
          const n = ext ? (head[0]! << 8) | head[1]! : head[0]!
          if ((ext && n === 0xffff) || (!ext && n === 0xff)) {
            const [sum] = await read(1)
            if (sum !== (ext ? 0x00 : 0x00)) { await nack(); break }
            flash.fill(0xff)
            await send(ACK)
            break
          }
          const body = await read((n + 1) * (ext ? 2 : 1))
          const [sum] = await read(1)
          if (sum !== (xor(head) ^ xor(body))) { await nack(); break }
          let ok = true
          for (let i = 0; i <= n; i++) ok &&= erasePage(ext ? (body[2 * i]! << 8) | body[2 * i + 1]! : body[i]!)
          await clock.sleep(2 * (n + 1)) // a page erase takes milliseconds, not nothing
          if (ok) await send(ACK); else await nack()
          break
        }
        case 0x21: {
          const addr = await readAddress()
          if (addr === undefined || !inFlash(addr, 4)) { await nack(); break }
          started = addr
          await send(ACK)
          break
        }
      }
    }
  }
  serve().catch(() => {})
  return { flash, startedAt: () => started, nacks: () => nacks, stop: () => { stopped = true; reader.close() } }
}
