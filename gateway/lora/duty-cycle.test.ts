/**
 * The scheduler never exceeds a sub-band's duty cycle over long seeded runs with a virtual
 * clock, its estimate matches what happens, and it spreads frames over channels.
 */
import { describe, expect, it } from 'vitest'
import { mulberry32 } from '../../test/support/mulberry32.js'
import { DUTY_CYCLE_WINDOW_MS, DutyCycleLedger, estimateCompletionMs, reserveSlot } from './duty-cycle.js'
import type { Slot } from './duty-cycle.js'
import { airtimeMs, subBandOf } from './eu868.js'
import type { DataRate } from './eu868.js'

const CHANNELS = [868_100_000, 868_300_000, 868_500_000, 867_100_000, 867_300_000, 869_525_000]

/**
 * The worst one-hour window of the schedule: the windowed sum is piecewise linear, so it peaks
 * where a window edge meets a frame edge; a two-pointer sweep over those candidates, on the
 * schedule the scheduler produced (not on its ledger).
 */
function worstWindowFraction (slots: Slot[], band: string): number {
  const mine = slots.filter(s => s.subBand === band).sort((a, b) => a.startMs - b.startMs)
  const prefix = [0]
  for (const s of mine) prefix.push(prefix[prefix.length - 1]! + s.endMs - s.startMs)
  const candidates = mine.flatMap(s => [s.startMs, s.endMs, s.startMs - DUTY_CYCLE_WINDOW_MS, s.endMs - DUTY_CYCLE_WINDOW_MS]).sort((a, b) => a - b)
  let worst = 0
  let i = 0
  let j = 0
  for (const from of candidates) {
    const to = from + DUTY_CYCLE_WINDOW_MS
    while (i < mine.length && mine[i]!.endMs <= from) i++
    while (j < mine.length && mine[j]!.startMs < to) j++
    if (j <= i) continue
    let used = prefix[j]! - prefix[i]!
    used -= Math.max(0, from - mine[i]!.startMs)
    used -= Math.max(0, mine[j - 1]!.endMs - to)
    worst = Math.max(worst, used / DUTY_CYCLE_WINDOW_MS)
  }
  return worst
}

describe('duty-cycle scheduler', () => {
  it.each([[1, 'window'], [2, 'window'], [3, 'off-time']] as const)('never exceeds any sub-band limit over a 3-hour seeded run (seed %i, %s)', (seed, policy) => {
    const random = mulberry32(seed)
    const ledger = new DutyCycleLedger(policy)
    const slots: Slot[] = []
    let nowMs = 0
    // Demand well above what the bands allow (a frame a second on average, at random data rates
    // and sizes), so the scheduler works against a backlog.
    while (nowMs < 3 * DUTY_CYCLE_WINDOW_MS) {
      const dr = Math.floor(random() * 6) as DataRate
      const bytes = 1 + Math.floor(random() * 51)
      const slot = reserveSlot(ledger, CHANNELS, airtimeMs(dr, bytes, { crc: false }), nowMs)
      slots.push(slot)
      nowMs += random() * 2_000 // arrivals; the backlog's slots run ahead of them
    }
    for (let i = 1; i < slots.length; i++) expect(slots[i]!.startMs).toBeGreaterThanOrEqual(slots[i - 1]!.endMs - 1e-6)
    for (const band of ['g1', 'h1.4', 'g3']) {
      const limit = subBandOf(band === 'g1' ? 868_100_000 : band === 'g3' ? 869_525_000 : 867_100_000).dutyCycle
      const worst = worstWindowFraction(slots, band)
      expect(worst, `band ${band}, reproduce with seed=${seed}`).toBeLessThanOrEqual(limit + 1e-9)
      expect(worst).toBeGreaterThan(limit * 0.9) // demand saturates it: the limit is used, not avoided
    }
  })

  it('estimates completion exactly when nothing else uses the air, and spreads over channels', () => {
    const ledger = new DutyCycleLedger()
    const air = airtimeMs(5, 53, { crc: false })
    const channels = [868_100_000, 868_300_000, 868_500_000]
    const eta = estimateCompletionMs(ledger, channels, new Array<number>(500).fill(air), 0)
    let end = 0
    for (let i = 0; i < 500; i++) end = reserveSlot(ledger, channels, air, end).endMs
    expect(end).toBeCloseTo(eta, 3)
    // The three channels share one 1% sub-band: ~500 frames × air / 1% of wall time.
    expect(eta).toBeGreaterThan(500 * air * 0.9 / 0.01 - DUTY_CYCLE_WINDOW_MS)
    const perChannel = [...ledger.airtimeByChannelMs().values()]
    expect(perChannel).toHaveLength(3)
    expect(Math.max(...perChannel) - Math.min(...perChannel)).toBeLessThanOrEqual(air + 1e-6)
  })

  it('off-time policy rests T × (1/dc − 1) after each frame: no bursts', () => {
    const ledger = new DutyCycleLedger('off-time')
    const first = reserveSlot(ledger, [868_100_000], 100, 0)
    const second = reserveSlot(ledger, [868_100_000], 100, 0)
    expect(first.startMs).toBe(0)
    expect(second.startMs).toBeCloseTo(10_000, 6)
  })

  it('uses a 10% sub-band ten times faster than a 1% one', () => {
    const air = airtimeMs(5, 53, { crc: false })
    const at1 = estimateCompletionMs(new DutyCycleLedger(), [868_100_000], new Array<number>(2000).fill(air), 0)
    const at10 = estimateCompletionMs(new DutyCycleLedger(), [869_525_000], new Array<number>(2000).fill(air), 0)
    expect(at1 / at10).toBeGreaterThan(5)
  })

  it('refuses a frame longer than a band allows in an hour', () => {
    expect(() => reserveSlot(new DutyCycleLedger(), [868_800_000], 4000, 0)).toThrow(/over the 3600 ms an hour sub-band g2/)
  })
})
