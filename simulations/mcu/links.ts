/**
 * How long an image takes over a gateway's link to an MCU. Serial: frames with a header and
 * CRC, each acknowledged (flow control and the resume point), a frame failing its CRC sent
 * again. LoRa: fragments, each transmission followed by the silence the duty cycle demands
 * (airtime × (1/d − 1)), lost fragments sent again in further passes after the device reports
 * what it lacks. Pure functions of their parameters and a PRNG.
 */
import type { SimRandom } from '../engine/index.js'
import type { LoraParams, SerialParams } from './params.js'

export interface LinkTime {
  /** Radio or line time from the first byte to the last ack, ms. */
  totalMs: number
  /** LoRa: time the gateway's radio transmitted (the duty cycle's numerator), ms. 0 on serial. */
  airtimeMs: number
  /** Transmissions, counting repeats. */
  transmissions: number
  /** Set when the LoRa transfer gave up after `passesMax` passes. */
  failed?: string
}

export function serialTime (bytes: number, p: SerialParams, random: SimRandom): LinkTime {
  const frames = Math.ceil(bytes / p.frameBytes)
  const byteMs = (p.bitsPerByte * 1_000) / p.baudRate
  let totalMs = 0
  let transmissions = 0
  for (let f = 0; f < frames; f++) {
    const payload = f === frames - 1 ? bytes - f * p.frameBytes : p.frameBytes
    const frameMs = (payload + p.frameOverheadBytes + p.ackBytes) * byteMs + p.turnaroundMs
    do {
      totalMs += frameMs
      transmissions++
    } while (random.chance(p.frameErrorRate))
  }
  return { totalMs, airtimeMs: 0, transmissions }
}

export function loraTime (bytes: number, p: LoraParams, dutyCycle: number, random: SimRandom): LinkTime {
  const fragments = Math.ceil(bytes / p.fragmentBytes)
  const airMs = ((p.fragmentBytes + p.fragmentOverheadBytes) * 8 * 1_000) / p.bitrateBps
  // Transmitting for airMs obliges the radio to stay silent for airMs × (1/d − 1) afterwards.
  const slotMs = airMs / dutyCycle
  let missing = fragments
  let totalMs = 0
  let airtimeMs = 0
  let transmissions = 0
  for (let pass = 0; missing > 0; pass++) {
    if (pass >= p.passesMax) {
      return { totalMs, airtimeMs, transmissions, failed: `LoRa transfer gave up after ${p.passesMax} passes, ${missing} of ${fragments} fragments still missing (fragment loss ${p.fragmentLoss})` }
    }
    let lost = 0
    for (let f = 0; f < missing; f++) if (random.chance(p.fragmentLoss)) lost++
    totalMs += missing * slotMs + p.statusRoundTripMs
    airtimeMs += missing * airMs
    transmissions += missing
    missing = lost
  }
  return { totalMs, airtimeMs, transmissions }
}
