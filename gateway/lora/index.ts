/**
 * LoRa end devices (issue 7/9): TS004 fragmentation with parity fragments, TS005 multicast
 * setup, the EU868 duty-cycle scheduler, the modem driver and a simulated lossy modem, FLD1
 * deltas, the signed firmware envelope, and the FUOTA session that puts them together. The
 * device side is firmware-bridge/lora (C).
 *
 * @example
 * ```ts
 * import { generateKeyPairSync } from 'node:crypto'
 * import { memoryLinkPair } from '../link/index.js'
 * import { systemClock } from '../../node/ports/index.js'
 * import { SimRandom } from '../../simulations/engine/prng.js'
 * import { FuotaSession, LoraModemDriver, SimulatedModem, sealEnvelope, steppingClock } from './index.js'
 *
 * const keys = generateKeyPairSync('ed25519')
 * const clock = steppingClock()
 * const [gatewaySide, modemSide] = memoryLinkPair()
 * const modem = new SimulatedModem({ clock, random: new SimRandom(1), link: modemSide }, { downlinkLoss: 0.1 })
 * // modem.attach(new ProcessDevice({ … })) puts C devices on the air
 * const session = new FuotaSession({ clock, modem: new LoraModemDriver(gatewaySide, systemClock()) }, { dr: 5 })
 * const envelope = sealEnvelope({ kind: 'full', version: 2, image: new Uint8Array(4096) }, keys.privateKey)
 * const result = await session.run(envelope, [0x26010000])
 * console.log(result.fragmentsSent, result.nbFrag, result.devices)
 * ```
 */
export * from './constants.js'
export * from './errors.js'
export { encodeFragDownlink, decodeFragDownlink, encodeFragUplink, decodeFragUplink, FragCid } from './frag-commands.js'
export type { FragDownlink, FragUplink } from './frag-commands.js'
export { fragmentBlock, matrixLine, prbs23, redundancyFor } from './frag-matrix.js'
export type { FragmentedBlock } from './frag-matrix.js'
export { FragDecoder } from './frag-decoder.js'
export type { FragDecoderStatus } from './frag-decoder.js'
export { encodeMcDownlink, decodeMcUplink, encryptMcKey, mcAppSKey, mcKEKey, mcNetSKey, mcRootKeyForAppKey, mcRootKeyForGenAppKey } from './multicast.js'
export type { McDownlink, McUplink } from './multicast.js'
export { airtimeMs, loraAirtimeMs, subBandOf, maxPayload, isDataRate, EU868_SUB_BANDS, EU868_DEFAULT_CHANNELS_HZ, EU868_RX2_HZ } from './eu868.js'
export type { DataRate, SubBand, AirtimeOptions } from './eu868.js'
export { DutyCycleLedger, reserveSlot, estimateCompletionMs, DUTY_CYCLE_WINDOW_MS } from './duty-cycle.js'
export type { DutyCyclePolicy, Slot } from './duty-cycle.js'
export { LoraModemDriver } from './modem-driver.js'
export type { Downlink, Uplink } from './modem-driver.js'
export { SimulatedModem, SIM_MODEM_VERSION } from './sim-modem.js'
export type { RadioDevice, SimulatedModemInit, SimulatedModemComponents, SimulatedModemStats } from './sim-modem.js'
export { ProcessDevice } from './process-device.js'
export type { ProcessDeviceOptions } from './process-device.js'
export { ttyLink } from './tty-link.js'
export { sealEnvelope, verifyEnvelope, rawPublicKey, ENVELOPE_HEADER_BYTES } from './envelope.js'
export type { EnvelopeInput, EnvelopeKind } from './envelope.js'
export { encodeDelta, applyDelta } from './delta.js'
export { FuotaSession, REPORT_FPORT, fragSizeFor } from './fuota-session.js'
export { planDeliveries } from './delivery-plan.js'
export type { DeliveryTarget, PlannedDelivery } from './delivery-plan.js'
export type { FuotaSessionInit, FuotaComponents, FuotaResult, FuotaProgress, DeviceResult, Modem } from './fuota-session.js'
export { childrenInCohort, childrenToUpdate, fuotaReports } from './fleet-bridge.js'
export type { LoraChild, LoraReport } from './fleet-bridge.js'
export { steppingClock } from './stepping-clock.js'
