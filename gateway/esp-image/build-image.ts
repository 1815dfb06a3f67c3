/**
 * Builds ESP-IDF app images byte for byte as esptool's elf2image does (header, segments padded
 * to 4 bytes, 0xEF checksum in the last byte of the 16-byte block, appended SHA-256), with an
 * esp_app_desc_t at the start of the first segment. Tests, benchmarks and the simulator use it:
 * no ESP-IDF toolchain runs here.
 */
import { createHash } from 'node:crypto'
import { APP_DESC_BYTES, APP_DESC_MAGIC, CHECKSUM_SEED, CHIP_IDS, IMAGE_HEADER_BYTES, IMAGE_MAGIC, SEGMENT_HEADER_BYTES } from './constants.js'

export interface BuildImageOptions {
  chip?: keyof typeof CHIP_IDS | number
  version: string
  /** The host-built bridge simulates the app by it: 'fb-crash' crash-loops, 'fb-unhealthy' reports unhealthy. */
  projectName?: string
  secureVersion?: number
  /** Total bytes of segment data (split into a DROM and an IROM segment); default 48 KiB. */
  payloadBytes?: number
  /** Seed of the filler bytes, so two versions differ everywhere. */
  seed?: number
  hashAppended?: boolean
}

function putString (target: Uint8Array, at: number, max: number, text: string): void {
  const bytes = new TextEncoder().encode(text)
  target.set(bytes.subarray(0, max - 1), at)
}

export function buildEspImage (o: BuildImageOptions): Uint8Array {
  const chipId = typeof o.chip === 'number' ? o.chip : CHIP_IDS[o.chip ?? 'esp32'] ?? 0
  const payload = Math.max(APP_DESC_BYTES + 4, o.payloadBytes ?? 48 * 1024)
  const firstLen = (APP_DESC_BYTES + Math.floor(payload / 3)) & ~3
  const secondLen = (payload - firstLen + 3) & ~3
  let seed = (o.seed ?? 1) >>> 0
  const next = (): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed >>> 16 }
  const seg1 = new Uint8Array(firstLen)
  for (let i = APP_DESC_BYTES; i < firstLen; i++) seg1[i] = next() & 0xff
  const dv = new DataView(seg1.buffer)
  dv.setUint32(0, APP_DESC_MAGIC, true)
  dv.setUint32(4, o.secureVersion ?? 0, true)
  putString(seg1, 16, 32, o.version)
  putString(seg1, 48, 32, o.projectName ?? 'fleet-app')
  putString(seg1, 80, 16, '06:30:00')
  putString(seg1, 96, 16, 'Nov 25 2026')
  putString(seg1, 112, 32, 'v5.3.1')
  const seg2 = new Uint8Array(secondLen)
  for (let i = 0; i < secondLen; i++) seg2[i] = next() & 0xff
  const segments: Array<[number, Uint8Array]> = [[0x3f400020, seg1], [0x400d0020, seg2]]
  let body = IMAGE_HEADER_BYTES + segments.reduce((n, [, d]) => n + SEGMENT_HEADER_BYTES + d.length, 0)
  body += 15 - (body % 16)
  const hashAppended = o.hashAppended ?? true
  const out = new Uint8Array(body + 1 + (hashAppended ? 32 : 0))
  const v = new DataView(out.buffer)
  out[0] = IMAGE_MAGIC
  out[1] = segments.length
  out[2] = 2 // DIO
  out[3] = 0x20 // 4 MB, 40 MHz
  v.setUint32(4, 0x40080000, true)
  out[8] = 0xee // WP pin: not used
  v.setUint16(12, chipId, true)
  v.setUint16(17, 0xffff, true) // max_chip_rev_full: any
  out[23] = hashAppended ? 1 : 0
  let pos = IMAGE_HEADER_BYTES
  let checksum = CHECKSUM_SEED
  for (const [addr, data] of segments) {
    v.setUint32(pos, addr, true)
    v.setUint32(pos + 4, data.length, true)
    out.set(data, pos + SEGMENT_HEADER_BYTES)
    for (const b of data) checksum ^= b
    pos += SEGMENT_HEADER_BYTES + data.length
  }
  out[body] = checksum
  if (hashAppended) out.set(createHash('sha256').update(out.subarray(0, body + 1)).digest(), body + 1)
  return out
}
