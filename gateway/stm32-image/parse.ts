/**
 * Validates a FleetD STM32 image (firmware-bridge/IMAGE.md) before anything is sent: magic,
 * header version and size, the header CRC, the payload length, the payload's SHA-256; then
 * against the device: its part (DEV_ID) and its anti-rollback (secure) version.
 */
import { createHash } from 'node:crypto'
import { crc32 } from '../bridge/crc32.js'
import { CHIP_STM32_FLAG, DEV_NAMES, HEADER_BYTES, HEADER_FIXED_BYTES, HEADER_VERSION, IMAGE_MAGIC, NAME_BYTES, Offset, PAYLOAD_BYTES_MAX } from './constants.js'
import { Stm32ImageError } from './errors.js'
import type { Stm32ImageProblem } from './errors.js'

export interface Stm32ImageInfo {
  devId: number
  /** The part's name (`stm32f411`), or `stm32 dev 0x…` for a DEV_ID not in the table. */
  chip: string
  version: string
  projectName: string
  secureVersion: number
  loadAddr: number
  payloadBytes: number
  payloadSha256: string
}

const cString = (b: Uint8Array): string => { const end = b.indexOf(0); return new TextDecoder().decode(end === -1 ? b : b.subarray(0, end)) }
export const stm32PartName = (devId: number): string => DEV_NAMES[devId] ?? `stm32 dev 0x${devId.toString(16)}`

export function parseStm32Image (bytes: Uint8Array): Stm32ImageInfo {
  const fail = (problem: Stm32ImageProblem, message: string): never => { throw new Stm32ImageError(message, problem) }
  if (bytes.length < HEADER_BYTES) fail('truncated', `image of ${bytes.length} bytes is shorter than the ${HEADER_BYTES}-byte FleetD STM32 header; is the file complete?`)
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  if (v.getUint32(Offset.MAGIC, true) !== IMAGE_MAGIC) {
    fail('magic', `no FleetD STM32 header (magic "FS32"): a raw .bin from objcopy must be wrapped first: fleet-node mcu image --chip stm32f411 --version X --file app.bin --out app.fs32`)
  }
  const headerVersion = v.getUint16(Offset.HEADER_VERSION, true)
  if (headerVersion !== HEADER_VERSION) fail('header', `header version ${headerVersion}; this gateway reads version ${HEADER_VERSION}: update the gateway or rebuild the image`)
  if (v.getUint16(Offset.HEADER_BYTES, true) !== HEADER_BYTES) fail('header', `header says it is ${v.getUint16(Offset.HEADER_BYTES, true)} bytes, not ${HEADER_BYTES}`)
  const crc = crc32(bytes.subarray(0, Offset.HEADER_CRC))
  if (v.getUint32(Offset.HEADER_CRC, true) !== crc) fail('header', `header CRC-32 is 0x${v.getUint32(Offset.HEADER_CRC, true).toString(16)}, its bytes give 0x${crc.toString(16)}: the header is corrupted`)
  if (v.getUint16(Offset.FLAGS, true) !== 0 || bytes.subarray(HEADER_FIXED_BYTES, HEADER_BYTES).some(b => b !== 0)) fail('header', 'reserved header fields are not zero: the image was made by a newer tool or is corrupted')
  const payloadBytes = v.getUint32(Offset.PAYLOAD_BYTES, true)
  if (payloadBytes === 0 || payloadBytes > PAYLOAD_BYTES_MAX) fail('length', `header says the payload is ${payloadBytes} bytes; an STM32 app is 1..${PAYLOAD_BYTES_MAX}`)
  if (bytes.length !== HEADER_BYTES + payloadBytes) {
    fail(bytes.length < HEADER_BYTES + payloadBytes ? 'truncated' : 'length', `header says ${payloadBytes} payload bytes, the file has ${bytes.length - HEADER_BYTES}: the image is ${bytes.length < HEADER_BYTES + payloadBytes ? 'truncated' : 'followed by extra bytes'}`)
  }
  const digest = createHash('sha256').update(bytes.subarray(HEADER_BYTES)).digest()
  if (!digest.equals(bytes.subarray(Offset.PAYLOAD_SHA256, Offset.PAYLOAD_SHA256 + 32))) fail('sha256', 'the payload does not match the SHA-256 in the header: the image is corrupted')
  const devId = v.getUint16(Offset.DEV_ID, true)
  const version = cString(bytes.subarray(Offset.VERSION, Offset.VERSION + NAME_BYTES))
  if (version === '') fail('header', 'the header has an empty version: wrap the app with --version')
  return {
    devId,
    chip: stm32PartName(devId),
    version,
    projectName: cString(bytes.subarray(Offset.PROJECT, Offset.PROJECT + NAME_BYTES)),
    secureVersion: v.getUint32(Offset.SECURE_VERSION, true),
    loadAddr: v.getUint32(Offset.LOAD_ADDR, true),
    payloadBytes,
    payloadSha256: digest.toString('hex')
  }
}

export interface Stm32ImagePolicy {
  /** INFO's chip of the device (0x8000 | DEV_ID). */
  chip: number
  /** The running app's secure version (INFO): an image below it would be a downgrade. */
  minSecureVersion?: number
}

/** Parses and checks the image against the device it is meant for; throws Stm32ImageError. */
export function checkStm32Image (bytes: Uint8Array, policy: Stm32ImagePolicy): Stm32ImageInfo {
  const info = parseStm32Image(bytes)
  if ((policy.chip & CHIP_STM32_FLAG) === 0) throw new Stm32ImageError(`the device is not an STM32 (chip 0x${policy.chip.toString(16)}): an STM32 image cannot go to it`, 'wrong-chip')
  const devId = policy.chip & ~CHIP_STM32_FLAG
  if (info.devId !== devId) {
    throw new Stm32ImageError(`image is built for ${info.chip} (DEV_ID 0x${info.devId.toString(16)}) but the device is ${stm32PartName(devId)} (DEV_ID 0x${devId.toString(16)}): build and wrap it for ${stm32PartName(devId)}`, 'wrong-chip')
  }
  // INFO carries 16 bits and the bridge saturates a larger number, so compare in that range.
  if (policy.minSecureVersion !== undefined && Math.min(info.secureVersion, 0xffff) < policy.minSecureVersion) {
    throw new Stm32ImageError(`image ${info.version} has secure version ${info.secureVersion}, below the device's ${policy.minSecureVersion}: a downgrade the anti-rollback rule refuses; wrap it with --secure-version ${policy.minSecureVersion} or higher`, 'downgrade')
  }
  return info
}
