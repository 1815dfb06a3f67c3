/**
 * Direct MCU operations for bench and factory work (`fleet-node mcu info|flash`): through the
 * firmware bridge, or through a chip's ROM bootloader for bare devices.
 *
 * @example
 * ```ts
 * import { bridgeInfo, infoView } from './index.js'
 * import { systemClock } from '../../node/ports/index.js'
 * const info = await bridgeInfo({ path: '/dev/ttyUSB0', baudRate: 115200, mode: '8n1' }, systemClock())
 * console.log(infoView(info).runningVersion)
 * ```
 */
export { bridgeFlash, bridgeInfo, chipLabel, infoView } from './bridge-ops.js'
export type { BridgeFlashResult, BridgeInfoView, McuPortOptions } from './bridge-ops.js'
export { McuImageError } from './errors.js'
