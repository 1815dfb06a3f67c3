/**
 * ESP-IDF app images: validation before anything is sent to a device (magic, segments,
 * checksum, appended SHA-256, app description, chip, anti-rollback), and a byte-exact builder
 * for tests.
 *
 * @example
 * ```ts
 * import { buildEspImage, checkEspImage, CHIP_IDS } from './index.js'
 * const image = buildEspImage({ chip: 'esp32', version: '1.2.0' })
 * console.log(checkEspImage(image, { chipId: CHIP_IDS.esp32 ?? 0 }).app.version)
 * ```
 */
export { parseEspImage, checkEspImage } from './parse.js'
export type { EspAppDesc, EspImageInfo, EspSegment, ImagePolicy } from './parse.js'
export { buildEspImage } from './build-image.js'
export type { BuildImageOptions } from './build-image.js'
export { EspImageError } from './errors.js'
export type { EspImageProblem } from './errors.js'
export * from './constants.js'
