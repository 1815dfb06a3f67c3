import { WireDecodeError, WireEncodeError } from './errors.js'
import type { DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

/** protons' runtime limits for T: counts for repeated/map fields, nested objects for sub-messages. */
export type WireLimits<T> = NonNullable<DecodeOptions<T>['limits']>

/**
 * What an encoder accepts for T: the generated types say `Uint8Array<ArrayBuffer>` for bytes
 * fields (what the decoder returns), but any Uint8Array encodes the same, Buffers included.
 */
export type Encodable<T> =
  T extends Uint8Array ? Uint8Array
    : T extends Map<infer K, infer V> ? Map<K, Encodable<V>>
      : T extends Array<infer E> ? Array<Encodable<E>>
        : T extends object ? { [K in keyof T]: Encodable<T[K]> }
          : T

/** The two functions protons generates for every message. */
export interface GeneratedCodec<T> {
  encode (obj: Partial<T>): Uint8Array<ArrayBuffer>
  decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<T>): T
}

/** How one top-level message is bounded; the values live in constants.ts. */
export interface WireFormat<T> {
  messageType: string
  codec: GeneratedCodec<T>
  bytesMax: number
  /** Name of the constant holding bytesMax, so errors point at it. */
  bytesMaxName: string
  limits: WireLimits<T>
  /** Schema rules protons does not enforce when encoding; returns what is wrong. */
  invalid?: (message: Encodable<T>) => string | undefined
}

/** Refuses oversize input unread, then decodes with element limits; every failure is a WireDecodeError. */
export function decodeBounded<T> (format: WireFormat<T>, bytes: Uint8Array | Uint8ArrayList): T {
  const { messageType, bytesMax, bytesMaxName } = format
  if (bytes.byteLength > bytesMax) {
    throw new WireDecodeError('FLEET_ERR_WIRE_TOO_LARGE', messageType,
      `${messageType} of ${bytes.byteLength} bytes is larger than ${bytesMaxName} (${bytesMax} bytes) and was refused unread`)
  }
  try {
    return format.codec.decode(bytes, { limits: format.limits })
  } catch (err) {
    throw toDecodeError(format, err)
  }
}

/**
 * Encodes, then decodes the result with the receivers' limits: a message this node sends is
 * one its peers accept, and a sender that outgrows a limit learns it here rather than from
 * silence. The second pass costs one decode per send.
 */
export function encodeChecked<T> (format: WireFormat<T>, message: Encodable<T>): Uint8Array<ArrayBuffer> {
  const { messageType } = format
  const invalid = format.invalid?.(message)
  if (invalid !== undefined) throw new WireEncodeError(messageType, `cannot encode ${messageType}: ${invalid}`)
  let bytes: Uint8Array<ArrayBuffer>
  try {
    // Sound: Encodable<T> differs from T only in the buffer type of bytes fields (see above).
    bytes = format.codec.encode(message as Partial<T>)
  } catch (err) {
    throw new WireEncodeError(messageType, `cannot encode ${messageType}: ${errorMessage(err)}`, { cause: err })
  }
  try {
    decodeBounded(format, bytes)
  } catch (err) {
    throw new WireEncodeError(messageType, `${messageType} would be refused by its receivers: ${errorMessage(err)}`, { cause: err })
  }
  return bytes
}

function toDecodeError<T> (format: WireFormat<T>, err: unknown): WireDecodeError {
  const { messageType } = format
  const name = err instanceof Error ? err.name : ''
  // protons-runtime throws MaxLengthError (repeated) and MaxSizeError (map) at a limit.
  if (name === 'MaxLengthError' || name === 'MaxSizeError') {
    const field = /field "([^"]+)"/.exec(errorMessage(err))?.[1]
    const limit = field === undefined ? undefined : findLimit(format.limits, field)
    const what = field === undefined ? 'a repeated or map field' : `field "${field}"`
    const max = limit === undefined ? 'its limit' : `its limit of ${limit}`
    return new WireDecodeError('FLEET_ERR_WIRE_TOO_MANY_ELEMENTS', messageType,
      `${messageType} was refused: ${what} has more elements than ${max} (proto/constants.ts)`, { cause: err })
  }
  return new WireDecodeError('FLEET_ERR_WIRE_MALFORMED', messageType,
    `${messageType} could not be decoded: ${errorMessage(err)}`, { cause: err })
}

/** The limit configured for a field name anywhere in a limits object, for error messages. */
function findLimit (limits: unknown, field: string, depthMax = 8): number | undefined {
  if (limits === null || typeof limits !== 'object' || depthMax === 0) return undefined
  for (const [key, value] of Object.entries(limits)) {
    if (key === field && typeof value === 'number') return value
    const nested = findLimit(value, field, depthMax - 1)
    if (nested !== undefined) return nested
  }
  return undefined
}

function errorMessage (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
