/**
 * One firmware delivery to LoRa devices (gateway side): optional TS005 multicast group setup,
 * a TS004 fragmentation session per device, the fragments of a signed envelope sent under the
 * duty-cycle scheduler (to the group once, or to each device in turn), then status rounds that
 * answer losses with *more parity fragments* rather than retransmissions, until every device
 * reports its image installed or the round limit is reached.
 */
import type { AbortOptions, Clock } from '../../node/ports/index.js'
import { FRAG_BLOCK_FRAGMENTS_MIN, FRAG_FPORT, FRAG_INDEX_MAX, MULTICAST_FPORT } from './constants.js'
import { DutyCycleLedger, estimateCompletionMs, reserveSlot } from './duty-cycle.js'
import { LoraFragmentationError } from './errors.js'
import { airtimeMs, EU868_RX2_HZ, maxPayload } from './eu868.js'
import type { DataRate } from './eu868.js'
import { decodeFragUplink, encodeFragDownlink } from './frag-commands.js'
import { fragmentBlock, matrixLine, redundancyFor, xorInto } from './frag-matrix.js'
import type { Downlink, Uplink } from './modem-driver.js'
import { decodeMcUplink, encodeMcDownlink } from './multicast.js'

/** FleetD's own port for the device's install report (TS004/TS005 use 200 and 201). */
export const REPORT_FPORT = 210
export const REPORT_RESULTS = ['installed', 'bad-envelope', 'bad-signature', 'hash-mismatch', 'delta-base', 'delta-corrupt', 'too-large', 'older-version'] as const
/** `unreachable`: no answer to a setup request after every attempt; `setup-refused`: answered with an error. */
export type DeviceResult = typeof REPORT_RESULTS[number] | 'no-report' | 'setup-refused' | 'unreachable'

export interface Modem {
  transmit(frame: Downlink, options?: AbortOptions): Promise<{ airtimeMs: number }>
  onUplink(listener: (uplink: Uplink) => void): () => void
}

export interface FuotaSessionInit {
  /** @default 5 (SF7) */
  dr?: DataRate
  /** Channels the scheduler may use. @default [869525000] (RX2, the 10% sub-band) */
  channelsHz?: number[]
  /** Fragment size; @default the data rate's payload minus the 3-byte DataFragment header, smaller for small blocks (FRAG_BLOCK_FRAGMENTS_MIN) */
  fragSize?: number
  /** Loss the first round's redundancy is sized for. @default 0.1 */
  expectedLoss?: number
  /** Send fragments once to a TS005 group instead of once per device. */
  multicast?: { mcGroupId: number, mcAddr: number, mcKeyEncrypted: Uint8Array }
  /** Status/parity rounds after the first. @default 6 */
  roundsMax?: number
  /** Requests sent per device before giving up on its answer (each attempt ~(1-loss)² likely). @default 6 */
  requestAttemptsMax?: number
  /** How long to wait for answers after a request round (real devices answer after BlockAckDelay). @default 10000 */
  answerWaitMs?: number
}

interface Frame { dest: number, fport: number, payload: Uint8Array }

export interface FuotaProgress { fragmentsSent: number, round: number, etaMs: number }

export interface FuotaResult {
  nbFrag: number
  fragSize: number
  /** DataFragment downlinks put on air (to the group, or summed over devices). */
  fragmentsSent: number
  /** Every downlink: fragments, setup, status. */
  downlinks: number
  airtimeMs: number
  elapsedMs: number
  rounds: number
  /** ETA the scheduler gave before the first fragment, for comparison with elapsedMs. */
  initialEtaMs: number
  devices: Map<number, DeviceResult>
  /** Fragments each device still lacked at the last status round (1 when its answer was lost). */
  missing: Map<number, number>
}

export interface FuotaComponents { clock: Clock, modem: Modem, ledger?: DutyCycleLedger }

export class FuotaSession {
  private readonly dr: DataRate
  private readonly channels: number[]
  private readonly ledger: DutyCycleLedger
  private readonly uplinks: Uplink[] = []
  private airtime = 0
  private downlinks = 0
  private fragmentsSent = 0

  constructor (private readonly components: FuotaComponents, private readonly init: FuotaSessionInit = {}) {
    this.dr = init.dr ?? 5
    this.channels = init.channelsHz ?? [EU868_RX2_HZ]
    this.ledger = components.ledger ?? new DutyCycleLedger()
  }

  async run (envelope: Uint8Array, devAddrs: number[], options: AbortOptions & { onProgress?: (p: FuotaProgress) => void } = {}): Promise<FuotaResult> {
    const { clock, modem } = this.components
    const startMs = clock.nowMs()
    const fragSize = this.init.fragSize ?? fragSizeFor(envelope.length, this.dr)
    if (fragSize + 3 > maxPayload(this.dr)) throw new LoraFragmentationError(`fragment size ${fragSize} + 3 header bytes is over the ${maxPayload(this.dr)} bytes DR${this.dr} carries`)
    const nbFragGuess = Math.ceil(envelope.length / fragSize)
    const redundancy = redundancyFor(nbFragGuess, this.init.expectedLoss ?? 0.1)
    const block = fragmentBlock(envelope, fragSize, redundancy)
    const results = new Map<number, DeviceResult>(devAddrs.map(a => [a, 'no-report']))
    const unsubscribe = modem.onUplink((u) => { this.uplinks.push(u) })
    try {
      const ready = await this.setup(devAddrs, block.nbFrag, fragSize, block.padding, results, options)
      const frameAirtime = airtimeMs(this.dr, fragSize + 3, { crc: false })
      const streams = this.init.multicast !== undefined ? [this.init.multicast.mcAddr] : ready
      const initialEtaMs = estimateCompletionMs(this.ledger, this.channels, new Array<number>(block.fragments.length * streams.length).fill(frameAirtime), clock.nowMs())
      // Round 0: all uncoded fragments plus the redundancy sized for the expected loss.
      let nextN = 1
      let batch = block.fragments.length
      let round = 0
      let lastMissing = new Map<number, number>()
      for (; round <= (this.init.roundsMax ?? 6); round++) {
        const pending = ready.filter(a => results.get(a) === 'no-report')
        // batch 0: every device that answered is complete, some reports are missing: ask again.
        if (pending.length === 0) break
        const targets = this.init.multicast !== undefined ? streams : pending
        const frames: Frame[] = []
        for (let n = nextN; n < nextN + batch; n++) {
          const data = n <= block.fragments.length ? block.fragments[n - 1]! : parityFragment(block.fragments, block.nbFrag, n - block.nbFrag)
          for (const dest of targets) frames.push({ dest, fport: FRAG_FPORT, payload: encodeFragDownlink({ cid: 'DataFragment', fragIndex: 0, n, payload: data }) })
        }
        nextN += batch
        await this.sendSpread(frames, round, options)
        this.collectReports(results)
        // Who still misses fragments, and how many more independent ones each needs.
        const missing = await this.askStatus(ready.filter(a => results.get(a) === 'no-report'), options)
        lastMissing = missing
        this.collectReports(results)
        const worst = Math.max(0, ...missing.values())
        // Ask for the worst device's need plus 10% and a few: random parity rows are sometimes dependent.
        batch = worst === 0 ? 0 : Math.ceil(worst * 1.1) + 3
        batch = Math.min(batch, FRAG_INDEX_MAX - nextN + 1) // N is 14 bits on the wire
      }
      this.collectReports(results)
      return { nbFrag: block.nbFrag, fragSize, fragmentsSent: this.fragmentsSent, downlinks: this.downlinks, airtimeMs: this.airtime, elapsedMs: clock.nowMs() - startMs, rounds: round, initialEtaMs, devices: results, missing: lastMissing }
    } finally {
      unsubscribe()
    }
  }

  private async setup (devAddrs: number[], nbFrag: number, fragSize: number, padding: number, results: Map<number, DeviceResult>, options: AbortOptions): Promise<number[]> {
    const mc = this.init.multicast
    let ready = devAddrs
    if (mc !== undefined) {
      ready = await this.request(ready, MULTICAST_FPORT, encodeMcDownlink({ cid: 'McGroupSetupReq', mcGroupId: mc.mcGroupId, mcAddr: mc.mcAddr, mcKeyEncrypted: mc.mcKeyEncrypted, minMcFCnt: 0, maxMcFCnt: 0xffff }),
        (u) => { const a = decodeMcUplink(u.payload); return a.cid === 'McGroupSetupAns' && !a.idError }, options)
      ready = await this.request(ready, MULTICAST_FPORT, encodeMcDownlink({ cid: 'McClassCSessionReq', mcGroupId: mc.mcGroupId, sessionTime: 0, sessionTimeOut: 8, dlFrequencyHz: this.channels[0]!, dr: this.dr }),
        (u) => { const a = decodeMcUplink(u.payload); return a.cid === 'McClassCSessionAns' && a.timeToStart !== undefined }, options)
    }
    const setup = encodeFragDownlink({ cid: 'FragSessionSetupReq', fragIndex: 0, mcGroupBitMask: mc !== undefined ? 1 << mc.mcGroupId : 0, nbFrag, fragSize, fragAlgo: 0, blockAckDelay: 0, padding, descriptor: 0 })
    ready = await this.request(ready, FRAG_FPORT, setup, (u) => {
      const a = decodeFragUplink(u.payload)
      return a.cid === 'FragSessionSetupAns' && !a.encodingUnsupported && !a.notEnoughMemory && !a.fragSessionIndexNotSupported && !a.wrongDescriptor
    }, options)
    for (const a of devAddrs) {
      if (ready.includes(a)) continue
      const answered = this.uplinks.some(u => u.devAddr === a && (u.fport === FRAG_FPORT || u.fport === MULTICAST_FPORT))
      results.set(a, answered ? 'setup-refused' : 'unreachable')
    }
    return ready
  }

  /** Sends a unicast request to each device until it answers as `accepted` wants; returns those that did. */
  private async request (devAddrs: number[], fport: number, payload: Uint8Array, accepted: (u: Uplink) => boolean, options: AbortOptions): Promise<number[]> {
    const done = new Set<number>()
    const cid = payload[0]
    for (let attempt = 0; attempt < (this.init.requestAttemptsMax ?? 6); attempt++) {
      const waiting = devAddrs.filter(a => !done.has(a))
      if (waiting.length === 0) break
      const mark = this.uplinks.length
      await this.sendSpread(waiting.map(dest => ({ dest, fport, payload })), -1, options)
      await this.waitFor(() => waiting.every(a => this.uplinks.slice(mark).some(u => u.devAddr === a && u.fport === fport && u.payload[0] === cid)), options)
      for (const u of this.uplinks.slice(mark)) {
        if (u.fport === fport && u.payload[0] === cid && waiting.includes(u.devAddr)) {
          try { if (accepted(u)) done.add(u.devAddr) } catch { /* a malformed answer counts as none */ }
        }
      }
    }
    return devAddrs.filter(a => done.has(a))
  }

  private async askStatus (devAddrs: number[], options: AbortOptions): Promise<Map<number, number>> {
    const missing = new Map<number, number>()
    if (devAddrs.length === 0) return missing
    const mark = this.uplinks.length
    // Participants=1: devices that completed answer too (and repeat their report, whose uplink
    // may have been lost), so a lost report does not look like a device still missing fragments.
    const status = encodeFragDownlink({ cid: 'FragSessionStatusReq', fragIndex: 0, participants: true })
    await this.sendSpread(devAddrs.map(dest => ({ dest, fport: FRAG_FPORT, payload: status })), -1, options)
    await this.waitFor(() => devAddrs.every(a => this.uplinks.slice(mark).some(u => u.devAddr === a && (u.fport === FRAG_FPORT || u.fport === REPORT_FPORT))), options)
    for (const a of devAddrs) missing.set(a, 1) // no answer (lost uplink): assume it still needs some
    for (const u of this.uplinks.slice(mark)) {
      if (u.fport !== FRAG_FPORT || !devAddrs.includes(u.devAddr)) continue
      try {
        const answer = decodeFragUplink(u.payload)
        // Missing 0 yet no report: the block is complete and the report is on its way (resent).
        if (answer.cid === 'FragSessionStatusAns') missing.set(u.devAddr, answer.missingFrag)
      } catch { /* ignore malformed */ }
    }
    return missing
  }

  private collectReports (results: Map<number, DeviceResult>): void {
    for (const u of this.uplinks) {
      if (u.fport !== REPORT_FPORT || u.payload.length < 1 || !results.has(u.devAddr)) continue
      results.set(u.devAddr, REPORT_RESULTS[u.payload[0]!] ?? 'bad-envelope')
    }
  }

  private async waitFor (condition: () => boolean, options: AbortOptions): Promise<void> {
    const deadline = this.components.clock.nowMs() + (this.init.answerWaitMs ?? 10_000)
    // Bounded: one poll a second of (possibly virtual) time until the deadline.
    while (!condition() && this.components.clock.nowMs() < deadline) await this.components.clock.sleep(1_000, options)
  }

  /** Sends frames in the given order (already interleaved across devices), each in its duty-cycle slot. */
  private async sendSpread (frames: Frame[], round: number, options: AbortOptions & { onProgress?: (p: FuotaProgress) => void }): Promise<void> {
    const { clock, modem } = this.components
    const ordered = interleave(frames)
    for (let i = 0; i < ordered.length; i++) {
      const frame = ordered[i]!
      const onAirMs = airtimeMs(this.dr, frame.payload.length, { crc: false })
      const slot = reserveSlot(this.ledger, this.channels, onAirMs, clock.nowMs())
      const waitMs = slot.startMs - clock.nowMs()
      if (waitMs > 0) await clock.sleep(waitMs, options)
      const sent = await modem.transmit({ dest: frame.dest, fport: frame.fport, dr: this.dr, frequencyHz: slot.channelHz, payload: frame.payload }, options)
      this.airtime += sent.airtimeMs
      this.downlinks++
      if (round >= 0) {
        this.fragmentsSent++
        if (i % 64 === 0) {
          const rest = new Array<number>(ordered.length - i - 1).fill(onAirMs)
          options.onProgress?.({ fragmentsSent: this.fragmentsSent, round, etaMs: estimateCompletionMs(this.ledger, this.channels, rest, clock.nowMs()) })
        }
      }
    }
  }
}

/** The default fragment size for an envelope: the data rate's payload minus the 3-byte header, smaller for small blocks. */
export function fragSizeFor (envelopeBytes: number, dr: DataRate): number {
  return Math.max(1, Math.min(maxPayload(dr) - 3, Math.ceil(envelopeBytes / FRAG_BLOCK_FRAGMENTS_MIN)))
}

/** Round-robin across destinations, keeping each destination's own order. */
function interleave<T extends { dest: number }> (frames: T[]): T[] {
  const byDest = new Map<number, T[]>()
  for (const f of frames) {
    const queue = byDest.get(f.dest)
    if (queue === undefined) byDest.set(f.dest, [f])
    else queue.push(f)
  }
  const queues = [...byDest.values()]
  const out: T[] = []
  for (let i = 0; out.length < frames.length; i++) for (const q of queues) if (i < q.length) out.push(q[i]!)
  return out
}

function parityFragment (uncoded: Uint8Array[], nbFrag: number, n: number): Uint8Array {
  const line = matrixLine(n, nbFrag)
  const out = new Uint8Array(uncoded[0]!.length)
  for (let c = 0; c < nbFrag; c++) if (line[c] === 1) xorInto(out, uncoded[c]!)
  return out
}
