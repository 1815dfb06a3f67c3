/** FleetD STM32 image validation errors (STYLE rule 6). */

export type Stm32ImageProblem = 'truncated' | 'magic' | 'header' | 'length' | 'sha256' | 'wrong-chip' | 'downgrade'

/** The file is not a valid FleetD STM32 image, or not one this device may run; `problem` says which check failed. */
export class Stm32ImageError extends Error {
  static readonly code = 'FLEET_ERR_STM32_IMAGE'
  readonly code = Stm32ImageError.code
  constructor (message: string, readonly problem: Stm32ImageProblem, options?: ErrorOptions) {
    super(message, options)
    this.name = 'Stm32ImageError'
  }
}
