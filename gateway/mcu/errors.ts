/** Errors of the direct MCU operations (`fleet-node mcu`). */

/** The image is not right for this MCU or this path (e.g. a --version other than the one the image carries). */
export class McuImageError extends Error {
  static readonly code = 'FLEET_ERR_MCU_IMAGE'
  readonly code = McuImageError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'McuImageError'
  }
}
