import { describe, expect, it } from 'vitest'
import { SimRandom } from '../engine/index.js'
import { runScenario, scenarios } from '../scenarios/index.js'
import { DEFAULT_MCU, loraTime, serialTime } from './index.js'

describe('MCU links', () => {
  it('serial: 64 KiB at 115200 baud 8N1 takes bytes × 10 / baud plus framing and acks', () => {
    const t = serialTime(64 * 1024, { ...DEFAULT_MCU.serial, frameErrorRate: 0 }, new SimRandom(1))
    const raw = (64 * 1024 * 10 * 1_000) / 115_200 // 5.69 s of payload on the line
    expect(t.totalMs).toBeGreaterThan(raw)
    expect(t.totalMs).toBeLessThan(raw * 1.2)
    expect(t.transmissions).toBe(256)
  })

  it('LoRa: the radio transmits exactly its duty cycle\'s share of the transfer time, lost fragments go again', () => {
    const p = { ...DEFAULT_MCU.lora, statusRoundTripMs: 0 }
    for (const duty of [0.01, 0.1]) {
      const t = loraTime(32 * 1024, p, duty, new SimRandom(2))
      expect(t.airtimeMs / t.totalMs).toBeCloseTo(duty, 6)
      expect(t.transmissions).toBeGreaterThan(Math.ceil(32 * 1024 / p.fragmentBytes)) // 5% loss: repeats
    }
    // 1% is ten times slower than 10%: 32 KiB takes over an hour.
    expect(loraTime(32 * 1024, p, 0.01, new SimRandom(3)).totalMs).toBeGreaterThan(3_600_000)
  })

  it('LoRa: a transfer that keeps losing fragments gives up with the reason', () => {
    const t = loraTime(4 * 1024, { ...DEFAULT_MCU.lora, fragmentLoss: 0.999, passesMax: 3 }, 0.1, new SimRandom(4))
    expect(t.failed).toMatch(/gave up after 3 passes/)
  })
})

describe('mcu-gateways checkers', () => {
  it('catch a gateway radio that ignores its duty cycle (safety: lora-duty-cycle)', async () => {
    const config = scenarios['mcu-gateways']!(3, 80)
    // The world's radios get a timing model that transmits back to back whatever the sub-band allows.
    const result = await runScenario(config, { mcuLoraTime: (bytes, p, _duty, random) => loraTime(bytes, p, 1, random) })
    expect(result.ok).toBe(false)
    expect(result.violations.some(v => v.invariant === 'lora-duty-cycle')).toBe(true)
    expect(result.reproduce).toMatch(/--seed=3/)
  }, 20_000)
})
