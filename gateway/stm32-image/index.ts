/**
 * FleetD STM32 images: a 512-byte header (magic, header version, part, secure version, payload
 * length, app version, SHA-256 of the payload; firmware-bridge/IMAGE.md) in front of an STM32
 * app, so the firmware bridge can report which version a slot holds. Validation before anything
 * is sent to a device, and the builder that wraps an app.
 *
 * @example
 * ```ts
 * import { buildStm32Image, checkStm32Image } from './index.js'
 * const image = buildStm32Image({ chip: 'stm32f411', version: '1.2.0', payload: appBin })
 * console.log(checkStm32Image(image, { chip: 0x8000 | 0x431 }).version)
 * ```
 */
export { parseStm32Image, checkStm32Image, stm32PartName } from './parse.js'
export type { Stm32ImageInfo, Stm32ImagePolicy } from './parse.js'
export { buildStm32Image } from './build-image.js'
export type { BuildStm32ImageOptions } from './build-image.js'
export { Stm32ImageError } from './errors.js'
export type { Stm32ImageProblem } from './errors.js'
export * from './constants.js'
