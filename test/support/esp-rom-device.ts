/**
 * A simulated ESP32 ROM bootloader on the device end of a pty (the real ROM cannot run here):
 * SLIP packets, SYNC, READ_REG (the chip-detect magic, eFuse words), the ROM's answer to
 * commands it lacks (GET_SECURITY_INFO on an ESP32), SPI_SET_PARAMS/SPI_ATTACH, FLASH_BEGIN/
 * DATA/END and the compressed FLASH_DEFL_* (zlib, with the 0xEF data checksum checked), and
 * SPI_FLASH_MD5 answered as 32 hex characters as the ROM does.
 */
import { createHash } from 'node:crypto'
import { constants, inflateSync } from 'node:zlib'
import type { ByteLink } from '../../gateway/link/index.js'

const SLIP_END = 0xc0
const SLIP_ESC = 0xdb
const ESP32_MAGIC = 0x00f01d83
const STATUS_OK = [0, 0, 0, 0]
const INVALID_MESSAGE = 0x05
const CHECKSUM_ERROR = 0x07

export interface EspRomDevice { flash: Uint8Array, commands: number[], stop: () => void }

function slip (bytes: Uint8Array): Uint8Array {
  const out = [SLIP_END]
  for (const b of bytes) {
    if (b === SLIP_END) out.push(SLIP_ESC, 0xdc)
    else if (b === SLIP_ESC) out.push(SLIP_ESC, 0xdd)
    else out.push(b)
  }
  out.push(SLIP_END)
  return Uint8Array.from(out)
}

export function espRomDevice (link: ByteLink, o: { flashBytes?: number } = {}): EspRomDevice {
  const flash = new Uint8Array(o.flashBytes ?? 4 * 1024 * 1024).fill(0xff)
  const commands: number[] = []
  let packet: number[] = []
  let inPacket = false
  let escaped = false
  let defl: { address: number, size: number, chunks: Buffer[] } | undefined
  let plain: { address: number, at: number } | undefined

  const respond = (op: number, val: number, data: number[]): void => {
    const body = new Uint8Array(8 + data.length)
    const v = new DataView(body.buffer)
    body[0] = 1
    body[1] = op
    v.setUint16(2, data.length, true)
    v.setUint32(4, val, true)
    body.set(data, 8)
    void link.write(slip(body)).catch(() => {})
  }

  const handle = (p: Uint8Array): void => {
    if (p.length < 8 || p[0] !== 0) return
    const v = new DataView(p.buffer, p.byteOffset, p.length)
    const op = p[1]!
    const chk = v.getUint32(4, true)
    const data = p.subarray(8)
    const d = new DataView(data.buffer, data.byteOffset, data.length)
    commands.push(op)
    switch (op) {
      case 0x08: for (let i = 0; i < 8; i++) respond(op, 0x12345678, STATUS_OK); return // SYNC: the ROM answers 8 times
      case 0x0a: { // READ_REG
        const addr = d.getUint32(0, true)
        respond(op, addr === 0x40001000 ? ESP32_MAGIC : 0, STATUS_OK)
        return
      }
      case 0x0b: case 0x0d: case 0x09: respond(op, 0, STATUS_OK); return // SPI_SET_PARAMS, SPI_ATTACH, WRITE_REG
      case 0x02: { // FLASH_BEGIN: erase, then plain FLASH_DATA blocks
        const size = d.getUint32(0, true)
        const address = d.getUint32(12, true)
        flash.fill(0xff, address, address + size)
        plain = { address, at: 0 }
        respond(op, 0, STATUS_OK)
        return
      }
      case 0x03: { // FLASH_DATA
        const len = d.getUint32(0, true)
        const block = data.subarray(16, 16 + len)
        if (block.reduce((x, b) => x ^ b, 0xef) !== chk || plain === undefined) { respond(op, 0, [1, CHECKSUM_ERROR, 0, 0]); return }
        flash.set(block, plain.address + plain.at)
        plain.at += block.length
        respond(op, 0, STATUS_OK)
        return
      }
      case 0x10: { // FLASH_DEFL_BEGIN: [erase size, blocks, block size, offset]
        const size = d.getUint32(0, true)
        const address = d.getUint32(12, true)
        flash.fill(0xff, address, address + size)
        defl = { address, size, chunks: [] }
        respond(op, 0, STATUS_OK)
        return
      }
      case 0x11: { // FLASH_DEFL_DATA: [len, seq, 0, 0] + zlib bytes
        const len = d.getUint32(0, true)
        const block = data.subarray(16, 16 + len)
        if (block.reduce((x, b) => x ^ b, 0xef) !== chk || defl === undefined) { respond(op, 0, [1, CHECKSUM_ERROR, 0, 0]); return }
        defl.chunks.push(Buffer.from(block))
        const out = inflateSync(Buffer.concat(defl.chunks), { finishFlush: constants.Z_SYNC_FLUSH })
        flash.set(out.subarray(0, defl.size), defl.address)
        respond(op, 0, STATUS_OK)
        return
      }
      case 0x04: case 0x12: respond(op, 0, STATUS_OK); return // FLASH_END, FLASH_DEFL_END
      case 0x13: { // SPI_FLASH_MD5: [addr, size, 0, 0] → 32 hex characters
        const addr = d.getUint32(0, true)
        const size = d.getUint32(4, true)
        const hex = createHash('md5').update(flash.subarray(addr, addr + size)).digest('hex')
        respond(op, 0, [...Buffer.from(hex, 'ascii'), ...STATUS_OK])
        return
      }
      default:
        // What an ESP32 ROM does with a command it lacks (GET_SECURITY_INFO, 0x14): "invalid message".
        respond(0x00, 0, [1, INVALID_MESSAGE, 0, 0])
    }
  }

  const off = link.onData((chunk) => {
    for (const b of chunk) {
      if (b === SLIP_END) {
        if (inPacket && packet.length > 0) handle(Uint8Array.from(packet))
        inPacket = true
        packet = []
        continue
      }
      if (!inPacket) continue
      if (escaped) { packet.push(b === 0xdc ? SLIP_END : b === 0xdd ? SLIP_ESC : b); escaped = false; continue }
      if (b === SLIP_ESC) { escaped = true; continue }
      packet.push(b)
    }
  })
  return { flash, commands, stop: off }
}
