/**
 * Typed wire errors (STYLE rule 6). Callers match on `name` and `code`, never on `message`.
 * Bytes from the network that fail to decode are an operating error: refuse the message
 * (and maybe the peer), never crash.
 */

/** Every code this folder can throw, with what it means. A test checks they are unique. */
export const WIRE_ERROR_CODES = {
  FLEET_ERR_WIRE_TOO_LARGE: 'The encoded message is larger than its byte limit; it was refused before parsing.',
  FLEET_ERR_WIRE_TOO_MANY_ELEMENTS: 'A repeated or map field has more elements than its limit.',
  FLEET_ERR_WIRE_MALFORMED: 'The bytes are not a valid encoding of the expected message (truncated, garbage, unknown enum value).',
  FLEET_ERR_WIRE_UNSENDABLE: 'A message about to be encoded breaks the schema or would be refused by receivers; a bug in the sender.'
} as const

export type WireErrorCode = keyof typeof WIRE_ERROR_CODES
export type WireDecodeErrorCode = Exclude<WireErrorCode, 'FLEET_ERR_WIRE_UNSENDABLE'>

/** Bytes received from elsewhere were refused. `messageType` names the expected message. */
export class WireDecodeError extends Error {
  readonly code: WireDecodeErrorCode
  readonly messageType: string

  constructor (code: WireDecodeErrorCode, messageType: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'WireDecodeError'
    this.code = code
    this.messageType = messageType
  }
}

/**
 * A message could not be encoded because receivers would refuse it (too large, too many
 * elements) or it breaks the schema (both members of a oneof set). Fix the sender.
 */
export class WireEncodeError extends Error {
  readonly code = 'FLEET_ERR_WIRE_UNSENDABLE'
  readonly messageType: string

  constructor (messageType: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'WireEncodeError'
    this.messageType = messageType
  }
}
