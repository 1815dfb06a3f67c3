/**
 * EU868 radio facts: data rates (RP002-1.0.3 §2.4), the sub-bands of ETSI EN 300 220 with
 * their duty-cycle limits, and the time on air of a LoRa frame (Semtech AN1200.13 formula).
 */
import { EU868_MAX_PAYLOAD, LORAWAN_OVERHEAD_BYTES } from './constants.js'
import { LoraModemError } from './errors.js'

/** EU868 LoRa data rates DR0..DR5: SF12..SF7 at 125 kHz. */
export type DataRate = 0 | 1 | 2 | 3 | 4 | 5

export function spreadingFactor (dr: DataRate): number { return 12 - dr }

export function maxPayload (dr: DataRate): number { return EU868_MAX_PAYLOAD[dr] }

export function isDataRate (value: number): value is DataRate {
  return Number.isInteger(value) && value >= 0 && value <= 5
}

export interface AirtimeOptions {
  /** Payload CRC: on for uplinks, off for LoRaWAN downlinks. @default true */
  crc?: boolean
  /** Preamble symbols. @default 8 */
  preambleSymbols?: number
  /** Coding rate 4/(4+cr). @default 1 (4/5) */
  codingRate?: number
}

/**
 * Milliseconds on air of a LoRaWAN frame carrying `appPayloadBytes` of FRMPayload at `dr`
 * (MAC header, FPort and MIC added), explicit header, 125 kHz; low data rate optimisation
 * is on at SF11 and SF12 as LoRaWAN requires.
 */
export function airtimeMs (dr: DataRate, appPayloadBytes: number, options: AirtimeOptions = {}): number {
  return loraAirtimeMs(spreadingFactor(dr), appPayloadBytes + LORAWAN_OVERHEAD_BYTES, options)
}

/** The Semtech formula for a PHY payload of `phyBytes` at spreading factor `sf`, 125 kHz. */
export function loraAirtimeMs (sf: number, phyBytes: number, options: AirtimeOptions = {}): number {
  const crc = options.crc ?? true
  const preamble = options.preambleSymbols ?? 8
  const cr = options.codingRate ?? 1
  const bandwidthHz = 125_000
  const symbolMs = (2 ** sf / bandwidthHz) * 1000
  const lowDataRate = sf >= 11 ? 1 : 0
  const numerator = 8 * phyBytes - 4 * sf + 28 + 16 * (crc ? 1 : 0) - 20 * 0 /* explicit header */
  const payloadSymbols = 8 + Math.max(Math.ceil(numerator / (4 * (sf - 2 * lowDataRate))) * (cr + 4), 0)
  return (preamble + 4.25) * symbolMs + payloadSymbols * symbolMs
}

export interface SubBand {
  name: string
  lowHz: number
  highHz: number
  /** Fraction of time a transmitter may be on air in this sub-band (ETSI EN 300 220). */
  dutyCycle: number
}

/** The EU868 sub-bands LoRaWAN uses. */
export const EU868_SUB_BANDS: readonly SubBand[] = [
  { name: 'h1.4', lowHz: 865_000_000, highHz: 868_000_000, dutyCycle: 0.01 },
  { name: 'g1', lowHz: 868_000_000, highHz: 868_600_000, dutyCycle: 0.01 },
  { name: 'g2', lowHz: 868_700_000, highHz: 869_200_000, dutyCycle: 0.001 },
  { name: 'g3', lowHz: 869_400_000, highHz: 869_650_000, dutyCycle: 0.1 },
  { name: 'g4', lowHz: 869_700_000, highHz: 870_000_000, dutyCycle: 0.01 }
]

/** The three join channels every EU868 device has, and RX2 (869.525 MHz, the 10% sub-band). */
export const EU868_DEFAULT_CHANNELS_HZ = [868_100_000, 868_300_000, 868_500_000] as const
export const EU868_RX2_HZ = 869_525_000

export function subBandOf (frequencyHz: number): SubBand {
  const band = EU868_SUB_BANDS.find(b => frequencyHz - 62_500 >= b.lowHz && frequencyHz + 62_500 <= b.highHz)
  if (band === undefined) {
    throw new LoraModemError(`${frequencyHz} Hz is not inside an EU868 sub-band with 125 kHz of room: use e.g. 868100000 or 869525000`)
  }
  return band
}
