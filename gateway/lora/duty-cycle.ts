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

/** One sub-band's frames in start order; `prefix[i]` is the airtime of frames before i. */
interface BandLog { starts: number[], ends: number[], prefix: number[], head: number }

function lowerBound (sorted: number[], value: number, from: number): number {
  let lo = from
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! <= value) lo = mid + 1
    else hi = mid
  }
  return lo
}

export interface Slot { channelHz: number, subBand: string, startMs: number, endMs: number }

/**
 * `window`: ETSI's rule as written, at most dutyCycle × 1 hour on air in any hour (bursts allowed).
 * `off-time`: LoRaWAN's per-frame rule as well, after a frame of T the sub-band rests
 * T × (1/dutyCycle − 1); no bursts, what most end devices and many network servers apply.
 */
export type DutyCyclePolicy = 'window' | 'off-time'

export class DutyCycleLedger {
  private readonly byBand = new Map<string, BandLog>()
  private readonly airtimeByChannel = new Map<number, number>()
  private readonly bandFreeMs = new Map<string, number>()
  private radioFreeMs = -Infinity

  constructor (readonly policy: DutyCyclePolicy = 'window', readonly windowMs = DUTY_CYCLE_WINDOW_MS) {}

  /** Time on air in `band` that overlaps [fromMs, toMs). */
  usedMs (band: SubBand, fromMs: number, toMs: number): number {
    const log = this.byBand.get(band.name)
    if (log === undefined || toMs <= fromMs) return 0
    // Frames are recorded in start order and never overlap (one radio), so ends are sorted too:
    // two binary searches and a prefix sum give the overlap in O(log n).
    const first = lowerBound(log.ends, fromMs, log.head) // first frame ending after fromMs
    const last = lowerBound(log.starts, toMs, log.head) - 1 // last frame starting before toMs
    if (last < first) return 0
    let used = log.prefix[last + 1]! - log.prefix[first]!
    used -= Math.max(0, fromMs - log.starts[first]!)
    used -= Math.max(0, log.ends[last]! - toMs)
    return Math.max(0, used)
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
    // Off-time alone can overshoot a one-hour window by up to one frame at its edges (the
    // property test found it), so that policy rests the band *and* keeps the window rule.
    if (this.policy === 'off-time') lo = Math.max(lo, this.bandFreeMs.get(band.name) ?? -Infinity)
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
    if (startMs < this.radioFreeMs - 1e-6) {
      throw new LoraDutyCycleError(`a frame at ${startMs} ms overlaps the previous one (radio busy until ${this.radioFreeMs} ms): reserve slots in order`)
    }
    let log = this.byBand.get(band.name)
    if (log === undefined) {
      log = { starts: [], ends: [], prefix: [0], head: 0 }
      this.byBand.set(band.name, log)
    }
    log.starts.push(startMs)
    log.ends.push(startMs + airtimeMs)
    log.prefix.push(log.prefix[log.prefix.length - 1]! + airtimeMs)
    // Forget what can no longer fall into a window that touches the present (compacting now and
    // then, so memory stays bounded by one window of frames).
    while (log.head < log.ends.length && log.ends[log.head]! < startMs - this.windowMs) log.head++
    if (log.head > 1024) {
      log.starts = log.starts.slice(log.head)
      log.ends = log.ends.slice(log.head)
      log.prefix = log.prefix.slice(log.head)
      log.head = 0
    }
    this.airtimeByChannel.set(channelHz, (this.airtimeByChannel.get(channelHz) ?? 0) + airtimeMs)
    this.radioFreeMs = Math.max(this.radioFreeMs, startMs + airtimeMs)
    this.bandFreeMs.set(band.name, startMs + airtimeMs / band.dutyCycle)
  }

  /** Total airtime sent per channel since the ledger started. */
  airtimeByChannelMs (): ReadonlyMap<number, number> { return this.airtimeByChannel }

  clone (): DutyCycleLedger {
    const copy = new DutyCycleLedger(this.policy, this.windowMs)
    for (const [band, log] of this.byBand) copy.byBand.set(band, { starts: [...log.starts], ends: [...log.ends], prefix: [...log.prefix], head: log.head })
    for (const [channel, ms] of this.airtimeByChannel) copy.airtimeByChannel.set(channel, ms)
    copy.radioFreeMs = this.radioFreeMs
    for (const [band, ms] of this.bandFreeMs) copy.bandFreeMs.set(band, ms)
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
