/** LoRa errors; each says what was wrong and what to do (STYLE rule 6). */

/** A TS004/TS005 command, a fragment or a session parameter is malformed or out of range. */
export class LoraFragmentationError extends Error {
  static readonly code = 'FLEET_ERR_LORA_FRAGMENTATION'
  readonly code = LoraFragmentationError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'LoraFragmentationError'
  }
}

/** The received fragments are not enough to rebuild the block: more were lost than the redundancy covers. */
export class LoraFragmentsMissingError extends Error {
  static readonly code = 'FLEET_ERR_LORA_FRAGMENTS_MISSING'
  readonly code = LoraFragmentsMissingError.code
  constructor (message: string, readonly missing: number, options?: ErrorOptions) {
    super(message, options)
    this.name = 'LoraFragmentsMissingError'
  }
}

/** The LoRa modem answered with an error, answered garbage, or did not answer in time. */
export class LoraModemError extends Error {
  static readonly code = 'FLEET_ERR_LORA_MODEM'
  readonly code = LoraModemError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'LoraModemError'
  }
}

/** A transmission would break the band's duty-cycle limit, or the plan cannot finish within its bound. */
export class LoraDutyCycleError extends Error {
  static readonly code = 'FLEET_ERR_LORA_DUTY_CYCLE'
  readonly code = LoraDutyCycleError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'LoraDutyCycleError'
  }
}

/** A delta does not apply: wrong base image, corrupt or truncated delta. */
export class LoraDeltaError extends Error {
  static readonly code = 'FLEET_ERR_LORA_DELTA'
  readonly code = LoraDeltaError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'LoraDeltaError'
  }
}

/** A LoRa device refused the delivered firmware (signature, hash, delta base, version) or the session setup. */
export class LoraFirmwareRejectedError extends Error {
  static readonly code = 'FLEET_ERR_LORA_FIRMWARE_REJECTED'
  readonly code = LoraFirmwareRejectedError.code
  constructor (message: string, readonly reason: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'LoraFirmwareRejectedError'
  }
}
