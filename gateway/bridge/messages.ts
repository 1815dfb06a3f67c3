/**
 * Payload codecs of each message (PROTOCOL.md "Messages"). Decoders check the exact length the
 * spec gives and throw BridgeFrameError naming the message, so a short or padded answer never
 * turns into garbage fields.
 */
import { assert } from './assert.js'
import { ANSWER_PAYLOAD, CHUNK_MAX, INFO_BYTES, INFO_BYTES_V1, ERROR_PAYLOAD_BYTES, HEALTH_PAYLOAD_BYTES, VERSION_FIELD_BYTES, WIRE_ERROR_NAMES } from './constants.js'
import { BridgeFrameError } from './errors.js'

export interface SessionInfo { active: boolean, slot: number, size: number, offset: number, sha256: Uint8Array }
export interface DeviceInfo {
  version: number
  window: number
  chip: number
  chunkMax: number
  runningSlot: number
  bootSlot: number
  slotStates: [number, number]
  /** Anti-rollback version of the running app: images below it are refused. */
  secureVersion: number
  slotBytes: number
  session: SessionInfo
  slotVersions: [string, string]
  /** The chip's unique id (ESP32: base MAC; STM32: 96-bit UID), trailing zeros cut; absent from older bridges or when all zero. */
  uid?: Uint8Array
}
export interface HealthReport { runningSlot: number, state: number, healthy: boolean, reason: number, version: string }
export interface WireErrorInfo { code: number, name: string, requestType: number, detail: number }

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.length)

function cString (bytes: Uint8Array): string {
  const end = bytes.indexOf(0)
  return new TextDecoder().decode(end === -1 ? bytes : bytes.subarray(0, end))
}

export function checkLength (what: string, payload: Uint8Array, [min, max]: [number, number]): void {
  if (payload.length < min || payload.length > max) {
    throw new BridgeFrameError(`${what}: payload of ${payload.length} bytes, the protocol allows ${min === max ? min : `${min}..${max}`}; is the device running a bridge of another protocol version?`)
  }
}

export function encodeHello (version: number): Uint8Array { return Uint8Array.of(version) }

export function decodeInfo (p: Uint8Array): DeviceInfo {
  checkLength('INFO', p, ANSWER_PAYLOAD[0x01]!)
  if (p.length !== INFO_BYTES_V1 && p.length !== INFO_BYTES) throw new BridgeFrameError(`INFO: payload of ${p.length} bytes, the protocol allows ${INFO_BYTES_V1} or ${INFO_BYTES}; is the device running a bridge of another protocol version?`)
  const v = view(p)
  return {
    version: p[0]!,
    window: p[1]!,
    chip: v.getUint16(2, true),
    chunkMax: v.getUint16(4, true),
    runningSlot: p[6]!,
    bootSlot: p[7]!,
    slotStates: [p[8]!, p[9]!],
    secureVersion: v.getUint16(10, true),
    slotBytes: v.getUint32(12, true),
    session: { active: p[16] === 1, slot: p[17]!, size: v.getUint32(20, true), offset: v.getUint32(24, true), sha256: p.slice(28, 60) },
    slotVersions: [cString(p.subarray(60, 92)), cString(p.subarray(92, 124))],
    ...uidOf(p.subarray(124))
  }
}

function uidOf (bytes: Uint8Array): { uid?: Uint8Array } {
  let end = bytes.length
  while (end > 0 && bytes[end - 1] === 0) end--
  return end === 0 ? {} : { uid: bytes.slice(0, end) }
}

export function encodeBegin (size: number, sha256: Uint8Array): Uint8Array {
  assert(sha256.length === 32, 'sha256 is 32 bytes')
  const p = new Uint8Array(36)
  view(p).setUint32(0, size, true)
  p.set(sha256, 4)
  return p
}

export function decodeBeginAnswer (p: Uint8Array): { slot: number, offset: number } {
  checkLength('OTA_BEGIN answer', p, ANSWER_PAYLOAD[0x02]!)
  return { slot: p[0]!, offset: view(p).getUint32(4, true) }
}

export function encodeData (offset: number, bytes: Uint8Array): Uint8Array {
  assert(bytes.length >= 1 && bytes.length <= CHUNK_MAX, `chunk of ${bytes.length} bytes`)
  const p = new Uint8Array(4 + bytes.length)
  view(p).setUint32(0, offset, true)
  p.set(bytes, 4)
  return p
}

export function decodeDataAnswer (p: Uint8Array): number {
  checkLength('OTA_DATA answer', p, ANSWER_PAYLOAD[0x03]!)
  return view(p).getUint32(0, true)
}

export function decodeHealth (p: Uint8Array): HealthReport {
  checkLength('HEALTH', p, [HEALTH_PAYLOAD_BYTES, HEALTH_PAYLOAD_BYTES])
  return { runningSlot: p[0]!, state: p[1]!, healthy: p[2] === 1, reason: p[3]!, version: cString(p.subarray(4, 4 + VERSION_FIELD_BYTES)) }
}

export function decodeError (p: Uint8Array): WireErrorInfo {
  checkLength('ERROR', p, [ERROR_PAYLOAD_BYTES, ERROR_PAYLOAD_BYTES])
  return { code: p[0]!, name: WIRE_ERROR_NAMES[p[0]!] ?? `code ${p[0]}`, requestType: p[1]!, detail: view(p).getUint32(4, true) }
}
