/** Bridge protocol errors; each says what was wrong and what to do (STYLE rule 6). */

/** A frame from the device could not be decoded: bad COBS, over its bound, wrong CRC or a payload of the wrong length. */
export class BridgeFrameError extends Error {
  static readonly code = 'FLEET_ERR_BRIDGE_FRAME'
  readonly code = BridgeFrameError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'BridgeFrameError'
  }
}

/** The device answered a request with an ERROR frame; `wireCode` is PROTOCOL.md's number. */
export class BridgeDeviceError extends Error {
  static readonly code = 'FLEET_ERR_BRIDGE_DEVICE'
  readonly code = BridgeDeviceError.code
  constructor (message: string, readonly wireCode: number, readonly wireName: string, readonly detail: number, options?: ErrorOptions) {
    super(message, options)
    this.name = 'BridgeDeviceError'
  }
}

/** The device did not answer in time, or the link closed under a request. */
export class BridgeTimeoutError extends Error {
  static readonly code = 'FLEET_ERR_BRIDGE_TIMEOUT'
  readonly code = BridgeTimeoutError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'BridgeTimeoutError'
  }
}

/** An OTA did not end on the new image: transfer retries exhausted, no health report, or rolled back. */
export class BridgeOtaError extends Error {
  static readonly code = 'FLEET_ERR_BRIDGE_OTA'
  readonly code = BridgeOtaError.code
  constructor (message: string, readonly outcome: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'BridgeOtaError'
  }
}
