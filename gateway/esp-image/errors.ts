/** ESP-IDF app image validation errors (STYLE rule 6). */

export type EspImageProblem = 'truncated' | 'magic' | 'segments' | 'checksum' | 'sha256' | 'app-desc' | 'wrong-chip' | 'downgrade'

/** The file is not a valid ESP-IDF app image, or not one this device may run; `problem` says which check failed. */
export class EspImageError extends Error {
  static readonly code = 'FLEET_ERR_ESP_IMAGE'
  readonly code = EspImageError.code
  constructor (message: string, readonly problem: EspImageProblem, options?: ErrorOptions) {
    super(message, options)
    this.name = 'EspImageError'
  }
}
