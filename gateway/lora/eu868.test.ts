import { describe, expect, it } from 'vitest'
import { LoraModemError } from './errors.js'
import { airtimeMs, loraAirtimeMs, subBandOf } from './eu868.js'

describe('EU868 airtime (Semtech AN1200.13)', () => {
  // Worked by hand from the formula: 10-byte FRMPayload = 23-byte PHY payload, CRC on (uplink).
  it('gives 61.696 ms at SF7 and 1482.752 ms at SF12 (low data rate optimisation) for 10 bytes', () => {
    expect(airtimeMs(5, 10)).toBeCloseTo(61.696, 3)
    expect(airtimeMs(0, 10)).toBeCloseTo(1482.752, 3)
  })

  it('is shorter without the payload CRC (LoRaWAN downlinks) and grows in whole symbol groups', () => {
    expect(airtimeMs(5, 10, { crc: false })).toBeLessThan(airtimeMs(5, 10))
    // An empty LoRaWAN frame (13 bytes) at SF7: ceil(120/28)=5 groups of 5 + 8 = 33 symbols + 12.25 preamble.
    expect(loraAirtimeMs(7, 13)).toBeCloseTo(45.25 * 1.024, 3)
    const sf12 = [0, 1, 2, 3, 4, 5].map(dr => airtimeMs(dr as 0, 51))
    for (let i = 1; i < sf12.length; i++) expect(sf12[i]!).toBeLessThan(sf12[i - 1]!)
  })

  it('maps channels to sub-bands and refuses frequencies outside them', () => {
    expect(subBandOf(868_100_000)).toMatchObject({ name: 'g1', dutyCycle: 0.01 })
    expect(subBandOf(869_525_000)).toMatchObject({ name: 'g3', dutyCycle: 0.1 })
    expect(() => subBandOf(868_650_000)).toThrow(LoraModemError)
    expect(() => subBandOf(915_000_000)).toThrow(/not inside an EU868 sub-band/)
  })
})
