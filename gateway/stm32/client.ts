/**
 * A client of the STM32 system bootloader over USART (ST AN3155): 0x7F sync, ACK 0x79 / NACK
 * 0x1F, Get, Get ID, Read Memory, Write Memory (≤ 256 bytes), Erase / Extended Erase, Go.
 */
import type { ByteLink } from '../link/index.js'
import type { Clock } from '../../node/ports/index.js'
import { ByteReader } from './byte-reader.js'
import { ACK, ANSWER_TIMEOUT_MS, BLOCK_BYTES_MAX, Cmd, ERASE_TIMEOUT_MS, NACK, SYNC, SYNC_ATTEMPTS_MAX } from './constants.js'
import { Stm32BootloaderError } from './errors.js'

const xor = (bytes: Iterable<number>): number => { let x = 0; for (const b of bytes) x ^= b; return x }
const hex = (n: number): string => `0x${n.toString(16)}`

function addressFrame (address: number): Uint8Array {
  const a = Uint8Array.of(address >>> 24 & 0xff, address >>> 16 & 0xff, address >>> 8 & 0xff, address & 0xff)
  return Uint8Array.of(...a, xor(a))
}

export class Stm32Bootloader {
  private readonly reader: ByteReader
  version = 0
  commands: number[] = []

  constructor (private readonly link: ByteLink, private readonly clock: Clock) {
    this.reader = new ByteReader(link, clock)
  }

  /** Sends 0x7F until the bootloader answers (ACK, or NACK when it was already synced). */
  async sync (): Promise<void> {
    for (let attempt = 0; attempt < SYNC_ATTEMPTS_MAX; attempt++) {
      this.reader.flush()
      await this.link.write(Uint8Array.of(SYNC))
      try {
        const [b] = await this.reader.read(1, ANSWER_TIMEOUT_MS / 2, 'sync 0x7f')
        if (b === ACK || b === NACK) return
      } catch { /* retry */ }
    }
    throw new Stm32BootloaderError(`no bootloader on ${this.link.description}: ${SYNC_ATTEMPTS_MAX} syncs (0x7f) unanswered; hold BOOT0 high and reset the MCU, check TX/RX are crossed and the line is 8E1`)
  }

  private async ack (what: string, timeoutMs = ANSWER_TIMEOUT_MS): Promise<void> {
    const [b] = await this.reader.read(1, timeoutMs, what)
    if (b === ACK) return
    if (b === NACK) throw new Stm32BootloaderError(`bootloader refused ${what} (NACK); read protection may be active, or the address is outside flash`)
    throw new Stm32BootloaderError(`bootloader answered ${hex(b ?? 0)} to ${what}, neither ACK nor NACK: line noise or wrong baud/parity`)
  }

  private async command (cmd: number, name: string): Promise<void> {
    if (this.commands.length > 0 && !this.commands.includes(cmd)) throw new Stm32BootloaderError(`this bootloader does not offer ${name} (${hex(cmd)})`)
    this.reader.flush()
    await this.link.write(Uint8Array.of(cmd, cmd ^ 0xff))
    await this.ack(name)
  }

  async get (): Promise<{ version: number, commands: number[] }> {
    await this.command(Cmd.GET, 'Get')
    const [n] = await this.reader.read(1, ANSWER_TIMEOUT_MS, 'Get length')
    const body = await this.reader.read((n ?? 0) + 1, ANSWER_TIMEOUT_MS, 'Get body')
    await this.ack('Get end')
    this.version = body[0]!
    this.commands = [...body.subarray(1)]
    return { version: this.version, commands: this.commands }
  }

  async getId (): Promise<number> {
    await this.command(Cmd.GET_ID, 'Get ID')
    const [n] = await this.reader.read(1, ANSWER_TIMEOUT_MS, 'Get ID length')
    const pid = await this.reader.read((n ?? 0) + 1, ANSWER_TIMEOUT_MS, 'Get ID body')
    await this.ack('Get ID end')
    return pid.reduce((v, b) => (v << 8) | b, 0)
  }

  async read (address: number, length: number): Promise<Uint8Array> {
    if (length < 1 || length > BLOCK_BYTES_MAX) throw new RangeError(`read of ${length} bytes: AN3155 reads 1..256`)
    await this.command(Cmd.READ, 'Read Memory')
    await this.link.write(addressFrame(address))
    await this.ack(`Read Memory address ${hex(address)}`)
    await this.link.write(Uint8Array.of(length - 1, (length - 1) ^ 0xff))
    await this.ack('Read Memory length')
    return await this.reader.read(length, ANSWER_TIMEOUT_MS, `Read Memory data at ${hex(address)}`)
  }

  async write (address: number, data: Uint8Array): Promise<void> {
    if (data.length < 1 || data.length > BLOCK_BYTES_MAX) throw new RangeError(`write of ${data.length} bytes: AN3155 writes 1..256`)
    // Flash takes whole words: pad with 0xFF (the erased value) to a multiple of 4.
    const padded = new Uint8Array((data.length + 3) & ~3).fill(0xff)
    padded.set(data)
    await this.command(Cmd.WRITE, 'Write Memory')
    await this.link.write(addressFrame(address))
    await this.ack(`Write Memory address ${hex(address)}`)
    const n = padded.length - 1
    await this.link.write(Uint8Array.of(n, ...padded, xor([n, ...padded])))
    await this.ack(`Write Memory data at ${hex(address)}`)
  }

  /** Erases pages (or everything when `pages` is 'all'), with Extended Erase when offered. */
  async erase (pages: number[] | 'all'): Promise<void> {
    if (this.commands.includes(Cmd.EXTENDED_ERASE)) {
      await this.command(Cmd.EXTENDED_ERASE, 'Extended Erase')
      if (pages === 'all') {
        await this.link.write(Uint8Array.of(0xff, 0xff, 0x00))
      } else {
        const body = [(pages.length - 1) >> 8, (pages.length - 1) & 0xff, ...pages.flatMap((p) => [p >> 8, p & 0xff])]
        await this.link.write(Uint8Array.of(...body, xor(body)))
      }
    } else {
      await this.command(Cmd.ERASE, 'Erase')
      if (pages === 'all') {
        await this.link.write(Uint8Array.of(0xff, 0x00))
      } else {
        if (pages.length > 256 || pages.some((p) => p > 0xff)) throw new Stm32BootloaderError('legacy Erase takes up to 256 pages numbered below 256: use a part with Extended Erase or mass erase')
        const body = [pages.length - 1, ...pages]
        await this.link.write(Uint8Array.of(...body, xor(body)))
      }
    }
    await this.ack('Erase', ERASE_TIMEOUT_MS)
  }

  async go (address: number): Promise<void> {
    await this.command(Cmd.GO, 'Go')
    await this.link.write(addressFrame(address))
    await this.ack(`Go ${hex(address)}`)
  }

  close (): void { this.reader.close() }
}
