/**
 * Duty-cycle accounting and slot choice for a gateway's transmitter. ETSI EN 300 220 limits
 * the time on air per sub-band over one hour; this ledger keeps every transmission of the last
 * window per sub-band (and per channel, for spreading) and answers "when may `airtimeMs` start
 * on this channel at the earliest" exactly: the sliding-window sum including the new frame
 * stays within the band's limit for every window that contains it. The radio is half-duplex
 * and sends one frame at a time, so slots also never overlap.
 */
import { LoraDutyCycleError } from './errors.js'
import { subBandOf } from './eu868.js'
import type { SubBand } from './eu868.js'

/** ETSI measures the duty cycle over one hour. */
export const DUTY_CYCLE_WINDOW_MS = 3_600_000

interface Transmission { startMs: number, endMs: number }

export interface Slot { channelHz: number, subBand: string, startMs: number, endMs: number }

export class DutyCycleLedger {
  private readonly byBand = new Map<string, Transmission[]>()
  private readonly airtimeByChannel = new Map<number, number>()
  private radioFreeMs = -Infinity

  constructor (readonly windowMs = DUTY_CYCLE_WINDOW_MS) {}

  /** Time on air in `band` that overlaps [fromMs, toMs). */
  usedMs (band: SubBand, fromMs: number, toMs: number): number {
    let used = 0
    for (const t of this.byBand.get(band.name) ?? []) used += Math.max(0, Math.min(t.endMs, toMs) - Math.max(t.startMs, fromMs))
    return used
  }

  /** Earliest start ≥ `nowMs` at which `airtimeMs` on `channelHz` keeps every window within the limit. */
  earliestStartMs (channelHz: number, airtimeMs: number, nowMs: number): number {
    const band = subBandOf(channelHz)
    const limitMs = band.dutyCycle * this.windowMs
    if (airtimeMs > limitMs) {
      throw new LoraDutyCycleError(`a ${airtimeMs.toFixed(1)} ms frame is over the ${limitMs} ms an hour sub-band ${band.name} allows: use a faster data rate`)
    }
    const fits = (start: number): boolean => this.usedMs(band, start + airtimeMs - this.windowMs, start + airtimeMs) + airtimeMs <= limitMs + 1e-6
    let lo = Math.max(nowMs, this.radioFreeMs)
    if (fits(lo)) return lo
    // The used time in the window only falls as the start moves later (every past frame slides
    // out of it), so the earliest fitting start is found by bisection to within 1 µs.
    let hi = lo + this.windowMs
    while (hi - lo > 0.001) {
      const mid = (lo + hi) / 2
      if (fits(mid)) hi = mid
      else lo = mid
    }
    return hi
  }

  record (channelHz: number, startMs: number, airtimeMs: number): void {
    const band = subBandOf(channelHz)
    const list = this.byBand.get(band.name) ?? []
    list.push({ startMs, endMs: startMs + airtimeMs })
    // Forget what can no longer fall into a window that touches the present.
    while (list.length > 0 && list[0]!.endMs < startMs - this.windowMs) list.shift()
    this.byBand.set(band.name, list)
    this.airtimeByChannel.set(channelHz, (this.airtimeByChannel.get(channelHz) ?? 0) + airtimeMs)
    this.radioFreeMs = Math.max(this.radioFreeMs, startMs + airtimeMs)
  }

  /** Total airtime sent per channel since the ledger started. */
  airtimeByChannelMs (): ReadonlyMap<number, number> { return this.airtimeByChannel }

  clone (): DutyCycleLedger {
    const copy = new DutyCycleLedger(this.windowMs)
    for (const [band, list] of this.byBand) copy.byBand.set(band, list.map(t => ({ ...t })))
    for (const [channel, ms] of this.airtimeByChannel) copy.airtimeByChannel.set(channel, ms)
    copy.radioFreeMs = this.radioFreeMs
    return copy
  }
}

/**
 * Picks, for each frame, the channel that can carry it soonest (ties: the channel with less
 * airtime so far), which spreads load over channels and over sub-bands with their own budgets.
 */
export function reserveSlot (ledger: DutyCycleLedger, channelsHz: readonly number[], airtimeMs: number, nowMs: number): Slot {
  if (channelsHz.length === 0) throw new LoraDutyCycleError('no channels to transmit on: configure at least one EU868 channel')
  let best: Slot | undefined
  let bestUse = Infinity
  for (const channelHz of channelsHz) {
    const startMs = ledger.earliestStartMs(channelHz, airtimeMs, nowMs)
    const use = ledger.airtimeByChannelMs().get(channelHz) ?? 0
    if (best === undefined || startMs < best.startMs - 1e-6 || (Math.abs(startMs - best.startMs) <= 1e-6 && use < bestUse)) {
      best = { channelHz, subBand: subBandOf(channelHz).name, startMs, endMs: startMs + airtimeMs }
      bestUse = use
    }
  }
  ledger.record(best!.channelHz, best!.startMs, airtimeMs)
  return best!
}

/** Milliseconds from `nowMs` until frames of these airtimes would all be sent, on a copy of the ledger. */
export function estimateCompletionMs (ledger: DutyCycleLedger, channelsHz: readonly number[], airtimesMs: readonly number[], nowMs: number): number {
  const dry = ledger.clone()
  let endMs = nowMs
  for (const airtime of airtimesMs) endMs = reserveSlot(dry, channelsHz, airtime, nowMs).endMs
  return endMs - nowMs
}
