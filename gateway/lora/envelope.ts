/**
 * The FleetD LoRa firmware envelope: what a fragmentation session carries. A 52-byte header
 * (magic "FLW1", kind, version, image length, image SHA-256, payload length) signed with
 * Ed25519, then the payload: the full image or an FLD1 delta against the running image. The
 * device checks the signature before anything else and the SHA-256 of the image it builds
 * last (firmware-bridge/lora/fuota_device.c), so a delta can never produce an unsigned image.
 */
import { createHash, sign, verify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { LoraFragmentationError } from './errors.js'

export const ENVELOPE_SIGNED_BYTES = 52
export const ENVELOPE_HEADER_BYTES = ENVELOPE_SIGNED_BYTES + 64

export type EnvelopeKind = 'full' | 'delta'

export interface EnvelopeInput {
  kind: EnvelopeKind
  /** Monotonic firmware version: devices refuse one not above the version they run. */
  version: number
  /** The image the device must end up with. */
  image: Uint8Array
  /** For `delta`, the FLD1 delta; for `full`, omitted (the image is the payload). */
  delta?: Uint8Array
}

export function sealEnvelope (input: EnvelopeInput, privateKey: KeyObject): Uint8Array {
  if (!Number.isInteger(input.version) || input.version < 1 || input.version > 0xffffffff) throw new LoraFragmentationError(`firmware version ${input.version} is not 1..2^32-1`)
  const payload = input.kind === 'full' ? input.image : input.delta
  if (payload === undefined) throw new LoraFragmentationError('a delta envelope needs the delta bytes')
  const out = new Uint8Array(ENVELOPE_HEADER_BYTES + payload.length)
  const view = new DataView(out.buffer)
  out.set(Buffer.from('FLW1', 'latin1'), 0)
  out[4] = input.kind === 'full' ? 0 : 1
  view.setUint32(8, input.version, true)
  view.setUint32(12, input.image.length, true)
  out.set(createHash('sha256').update(input.image).digest(), 16)
  view.setUint32(48, payload.length, true)
  out.set(sign(null, out.subarray(0, ENVELOPE_SIGNED_BYTES), privateKey), ENVELOPE_SIGNED_BYTES)
  out.set(payload, ENVELOPE_HEADER_BYTES)
  return out
}

/** Checks an envelope the way the device does, for the gateway's own validation before sending. */
export function verifyEnvelope (envelope: Uint8Array, publicKey: KeyObject): boolean {
  if (envelope.length < ENVELOPE_HEADER_BYTES || Buffer.from(envelope.subarray(0, 4)).toString('latin1') !== 'FLW1') return false
  return verify(null, envelope.subarray(0, ENVELOPE_SIGNED_BYTES), publicKey, envelope.subarray(ENVELOPE_SIGNED_BYTES, ENVELOPE_HEADER_BYTES))
}

/** The raw 32-byte Ed25519 public key a device is provisioned with. */
export function rawPublicKey (publicKey: KeyObject): Uint8Array {
  const der = publicKey.export({ format: 'der', type: 'spki' })
  return Uint8Array.from(der.subarray(der.length - 32))
}
