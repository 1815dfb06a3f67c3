/**
 * Validates an ESP-IDF app image the way the second-stage bootloader does (esp_image_verify):
 * header magic, a bounded segment walk, the 0xEF-seeded XOR checksum at the end of the 16-byte
 * padded block, the appended SHA-256, then the esp_app_desc_t at the start of the first segment.
 */
import { createHash } from 'node:crypto'
import { APP_DESC_BYTES, APP_DESC_MAGIC, CHECKSUM_SEED, CHIP_NAMES, IMAGE_BYTES_MAX, IMAGE_HEADER_BYTES, IMAGE_MAGIC, SEGMENT_HEADER_BYTES, SEGMENTS_MAX } from './constants.js'
import { EspImageError } from './errors.js'

export interface EspSegment { loadAddr: number, offset: number, length: number }
export interface EspAppDesc { secureVersion: number, version: string, projectName: string, time: string, date: string, idfVersion: string }
export interface EspImageInfo {
  chipId: number
  chip: string
  entryAddr: number
  segments: EspSegment[]
  checksum: number
  hashAppended: boolean
  /** Bytes the image occupies: through the checksum and, when appended, the SHA-256. */
  imageBytes: number
  app: EspAppDesc
}

const cString = (b: Uint8Array): string => { const end = b.indexOf(0); return new TextDecoder().decode(end === -1 ? b : b.subarray(0, end)) }
const chipName = (id: number): string => CHIP_NAMES[id] ?? `unknown chip 0x${id.toString(16)}`

export function parseEspImage (bytes: Uint8Array): EspImageInfo {
  const fail = (problem: ConstructorParameters<typeof EspImageError>[1], message: string): never => { throw new EspImageError(message, problem) }
  if (bytes.length > IMAGE_BYTES_MAX) fail('truncated', `image of ${bytes.length} bytes is larger than any app partition (${IMAGE_BYTES_MAX})`)
  if (bytes.length < IMAGE_HEADER_BYTES) fail('truncated', `image of ${bytes.length} bytes is shorter than the ${IMAGE_HEADER_BYTES}-byte header; is the file complete?`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  if (bytes[0] !== IMAGE_MAGIC) fail('magic', `first byte is 0x${bytes[0]!.toString(16)}, not the ESP image magic 0xe9: pass the app .bin from build/, not an ELF or a merged flash dump`)
  const count = bytes[1]!
  if (count === 0 || count > SEGMENTS_MAX) fail('segments', `header says ${count} segments; an app image has 1..${SEGMENTS_MAX}`)
  const chipId = view.getUint16(12, true)
  const hashAppended = bytes[23] === 1
  const segments: EspSegment[] = []
  let pos = IMAGE_HEADER_BYTES
  let checksum = CHECKSUM_SEED
  for (let i = 0; i < count; i++) {
    if (pos + SEGMENT_HEADER_BYTES > bytes.length) fail('truncated', `segment ${i} header at ${pos} runs past the end (${bytes.length} bytes): the image is truncated`)
    const loadAddr = view.getUint32(pos, true)
    const length = view.getUint32(pos + 4, true)
    const offset = pos + SEGMENT_HEADER_BYTES
    if (length > bytes.length - offset) fail('truncated', `segment ${i} of ${length} bytes at ${offset} runs past the end (${bytes.length} bytes): the image is truncated`)
    for (let k = offset; k < offset + length; k++) checksum ^= bytes[k]!
    segments.push({ loadAddr, offset, length })
    pos = offset + length
  }
  // The checksum byte is the last of the 16-byte block the segments end in.
  const checksumAt = pos + (15 - (pos % 16))
  if (checksumAt >= bytes.length) fail('truncated', `no checksum byte at ${checksumAt}: the image is truncated`)
  if (bytes[checksumAt] !== checksum) fail('checksum', `checksum is 0x${bytes[checksumAt]!.toString(16)}, the segments give 0x${checksum.toString(16)}: the image is corrupted`)
  let imageBytes = checksumAt + 1
  if (hashAppended) {
    if (imageBytes + 32 > bytes.length) fail('truncated', 'the appended SHA-256 is missing: the image is truncated')
    const digest = createHash('sha256').update(bytes.subarray(0, imageBytes)).digest()
    if (!digest.equals(bytes.subarray(imageBytes, imageBytes + 32))) fail('sha256', 'the appended SHA-256 does not match the image: it is corrupted')
    imageBytes += 32
  }
  const first = segments[0]!
  if (first.length < APP_DESC_BYTES || view.getUint32(first.offset, true) !== APP_DESC_MAGIC) {
    fail('app-desc', 'no esp_app_desc_t (magic 0xabcd5432) at the start of the first segment: this is a bootloader or a non-IDF binary, not an app')
  }
  const d = first.offset
  const app: EspAppDesc = {
    secureVersion: view.getUint32(d + 4, true),
    version: cString(bytes.subarray(d + 16, d + 48)),
    projectName: cString(bytes.subarray(d + 48, d + 80)),
    time: cString(bytes.subarray(d + 80, d + 96)),
    date: cString(bytes.subarray(d + 96, d + 112)),
    idfVersion: cString(bytes.subarray(d + 112, d + 144))
  }
  return { chipId, chip: chipName(chipId), entryAddr: view.getUint32(4, true), segments, checksum, hashAppended, imageBytes, app }
}

export interface ImagePolicy {
  /** The chip id of the device (INFO's chip). */
  chipId: number
  /** The device's secure version: an image below it would be refused by anti-rollback. */
  minSecureVersion?: number
}

/** Parses and checks the image against the device it is meant for; throws EspImageError. */
export function checkEspImage (bytes: Uint8Array, policy: ImagePolicy): EspImageInfo {
  const info = parseEspImage(bytes)
  if (info.chipId !== policy.chipId) {
    throw new EspImageError(`image is built for ${info.chip} but the device is ${chipName(policy.chipId)}: build with idf.py set-target ${chipName(policy.chipId)}`, 'wrong-chip')
  }
  if (policy.minSecureVersion !== undefined && info.app.secureVersion < policy.minSecureVersion) {
    throw new EspImageError(`image ${info.app.version} has secure_version ${info.app.secureVersion}, below the device's ${policy.minSecureVersion}: anti-rollback would refuse it; build with CONFIG_BOOTLOADER_APP_SECURE_VERSION >= ${policy.minSecureVersion}`, 'downgrade')
  }
  return info
}
