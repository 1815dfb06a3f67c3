/**
 * The gateway side of the bridge protocol (firmware-bridge/PROTOCOL.md): framing, codecs, a
 * request client over any ByteLink, and the OTA driver with a sliding window, resume, reboot,
 * health wait and confirm or rollback.
 *
 * @example
 * ```ts
 * import { bridgeOta } from './index.js'
 * import { openSerialLink } from '../link/index.js'
 * import { systemClock } from '../../node/ports/index.js'
 * const ota = bridgeOta({ baudRate: 115200 })({ clock: systemClock(), connect: async () => await openSerialLink({ path: '/dev/ttyUSB0' }) })
 * const result = await ota.update({ image: new Uint8Array(0), version: '1.2.0' })
 * console.log(result.outcome)
 * await ota.close()
 * ```
 */
import { BridgeOta } from './ota.js'
import type { BridgeOtaComponents, BridgeOtaInit } from './ota.js'

export function bridgeOta (init: BridgeOtaInit = {}) {
  return (components: BridgeOtaComponents): BridgeOta => new BridgeOta(components, init)
}

export { BridgeOta } from './ota.js'
export type { BridgeOtaComponents, BridgeOtaInit, OtaOutcome, OtaProgress, OtaResult, OtaTarget } from './ota.js'
export { BridgeClient } from './client.js'
export { encodeFrame, decodeFrameBody, FrameDecoder } from './frame.js'
export type { Frame, DecodeResult } from './frame.js'
export * from './messages.js'
export * from './constants.js'
export * from './errors.js'
export { crc32 } from './crc32.js'
export { cobsEncode, cobsDecode } from './cobs.js'
export { otaReport } from './report.js'
