/**
 * Wraps an STM32 application binary (what `arm-none-eabi-objcopy -O binary` gives, vector table
 * first) in the FleetD STM32 header, so the firmware bridge can report its version. The CLI
 * (`fleet-node mcu image`) and tests use it.
 */
import { createHash } from 'node:crypto'
import { crc32 } from '../bridge/crc32.js'
import { DEV_IDS, HEADER_BYTES, HEADER_VERSION, IMAGE_MAGIC, NAME_BYTES, Offset, PAYLOAD_BYTES_MAX } from './constants.js'
import { Stm32ImageError } from './errors.js'

export interface BuildStm32ImageOptions {
  /** The part: a name of DEV_IDS (`stm32f411`) or its DEV_ID. */
  chip: keyof typeof DEV_IDS | number
  version: string
  /** The host-built bridge simulates the app by it: 'fb-crash' crash-loops, 'fb-unhealthy' reports unhealthy. */
  projectName?: string
  secureVersion?: number
  /** The vector table address the payload is linked for (slot base + 512); 0: position-independent. */
  loadAddr?: number
  payload: Uint8Array
}

function putName (target: Uint8Array, at: number, text: string, what: string): void {
  const bytes = new TextEncoder().encode(text)
  if (bytes.length > NAME_BYTES - 1) throw new Stm32ImageError(`${what} '${text}' is ${bytes.length} bytes; the header holds at most ${NAME_BYTES - 1}`, 'header')
  target.set(bytes, at)
}

export function buildStm32Image (o: BuildStm32ImageOptions): Uint8Array {
  const devId = typeof o.chip === 'number' ? o.chip : DEV_IDS[o.chip]
  if (devId === undefined || devId <= 0 || devId > 0x7fff) throw new Stm32ImageError(`unknown STM32 part ${String(o.chip)}: give one of ${Object.keys(DEV_IDS).join(', ')} or its DEV_ID`, 'wrong-chip')
  if (o.payload.length === 0 || o.payload.length > PAYLOAD_BYTES_MAX) throw new Stm32ImageError(`payload of ${o.payload.length} bytes: an STM32 app is 1..${PAYLOAD_BYTES_MAX} bytes`, 'length')
  const out = new Uint8Array(HEADER_BYTES + o.payload.length)
  const v = new DataView(out.buffer)
  v.setUint32(Offset.MAGIC, IMAGE_MAGIC, true)
  v.setUint16(Offset.HEADER_VERSION, HEADER_VERSION, true)
  v.setUint16(Offset.HEADER_BYTES, HEADER_BYTES, true)
  v.setUint16(Offset.DEV_ID, devId, true)
  v.setUint32(Offset.SECURE_VERSION, o.secureVersion ?? 0, true)
  v.setUint32(Offset.PAYLOAD_BYTES, o.payload.length, true)
  v.setUint32(Offset.LOAD_ADDR, o.loadAddr ?? 0, true)
  putName(out, Offset.VERSION, o.version, 'version')
  putName(out, Offset.PROJECT, o.projectName ?? 'fleet-app', 'project name')
  out.set(createHash('sha256').update(o.payload).digest(), Offset.PAYLOAD_SHA256)
  v.setUint32(Offset.HEADER_CRC, crc32(out.subarray(0, Offset.HEADER_CRC)), true)
  out.set(o.payload, HEADER_BYTES)
  return out
}
