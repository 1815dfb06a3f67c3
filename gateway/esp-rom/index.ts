/**
 * The ESP32 ROM bootloader path: Espressif's esptool-js over a ByteLink through a Web Serial
 * adapter.
 *
 * @example
 * ```ts
 * import { espRomFlash } from './index.js'
 * const r = await espRomFlash(new Uint8Array(16), { path: '/dev/ttyUSB0', baudRate: 115200, mode: '8n1', reset: true })
 * console.log(r.md5)
 * ```
 */
export { espRomFlash, espRomInfo, DEFAULT_APP_ADDRESS } from './flash.js'
export type { EspRomFlashOptions, EspRomFlashResult } from './flash.js'
export { webSerialAdapter } from './web-serial-adapter.js'
export type { WebSerialLike } from './web-serial-adapter.js'
export { EspRomError } from './errors.js'
