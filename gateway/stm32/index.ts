/**
 * STM32 system bootloader (ST AN3155) over a ByteLink: the recovery and factory path for STM32s
 * that run no firmware bridge yet.
 *
 * @example
 * ```ts
 * import { stm32Info } from './index.js'
 * import { systemClock } from '../../node/ports/index.js'
 * const info = await stm32Info({ path: '/dev/ttyUSB0', baudRate: 115200, mode: '8e1' }, { clock: systemClock(), reset: true })
 * console.log(info.productId.toString(16))
 * ```
 */
export { Stm32Bootloader } from './client.js'
export { ByteReader } from './byte-reader.js'
export { stm32Flash, stm32Info } from './ops.js'
export type { Stm32FlashResult, Stm32Info, Stm32PortOptions } from './ops.js'
export { Stm32BootloaderError, Stm32VerifyError } from './errors.js'
export * from './constants.js'
