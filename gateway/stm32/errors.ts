/** STM32 system bootloader (AN3155) errors (STYLE rule 6). */

/** The bootloader did not sync, NACKed a command, or answered something AN3155 does not allow. */
export class Stm32BootloaderError extends Error {
  static readonly code = 'FLEET_ERR_STM32_BOOTLOADER'
  readonly code = Stm32BootloaderError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'Stm32BootloaderError'
  }
}

/** Read-back after writing did not match what was written. */
export class Stm32VerifyError extends Error {
  static readonly code = 'FLEET_ERR_STM32_VERIFY'
  readonly code = Stm32VerifyError.code
  constructor (message: string, readonly address: number, options?: ErrorOptions) {
    super(message, options)
    this.name = 'Stm32VerifyError'
  }
}
