/**
 * MCU children behind gateways (issue [5/9]): gateways on the mesh, children on 115200-baud
 * serial or duty-cycled LoRa, image transfer with resume, and the invariants of the radio.
 *
 * @example
 * ```ts
 * import { SimRandom } from '../engine/index.js'
 * import { DEFAULT_MCU, loraTime, serialTime } from './index.js'
 * const random = new SimRandom(1)
 * console.log(serialTime(64 * 1024, DEFAULT_MCU.serial, random).totalMs) // ≈ 6 s
 * console.log(loraTime(64 * 1024, DEFAULT_MCU.lora, 0.1, random).totalMs) // ≈ 17 min
 * ```
 */
export { DEFAULT_MCU } from './params.js'
export type { LoraParams, McuParams, SerialParams } from './params.js'
export { loraTime, serialTime } from './links.js'
export type { LinkTime } from './links.js'
export { layoutChildren, McuGateways } from './gateways.js'
export type { McuChild, McuComponents, McuLinkKind, McuStats } from './gateways.js'
