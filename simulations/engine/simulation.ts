/**
 * The discrete-event engine: virtual time, the event queue, the trace and the root PRNG.
 * Models schedule plain callbacks; nothing here touches the wall clock, so a run is a pure
 * function of its seed. Virtual time starts at T0_MS so Unix-ms fields (issuedMs, sentMs) look
 * like real ones.
 */
import { EventQueue } from './event-queue.js'
import { SimRandom } from './prng.js'
import { Trace } from './trace.js'
import type { SimEvent } from './event-queue.js'

/** 2023-11-14T22:13:20Z, the controller fixtures' start: times in failures read the same every run. */
export const SIM_T0_MS = 1_700_000_000_000

export interface RunOptions {
  /** Stop before the first event later than this (virtual ms, absolute). */
  untilMs: number
  /** Checked after each event; true stops the run early. */
  stop?: () => boolean
}

export class Simulation {
  nowMs = SIM_T0_MS
  eventsRun = 0
  readonly trace = new Trace()
  readonly random: SimRandom
  private readonly queue = new EventQueue()
  private seq = 0
  /** Set when a promise-based port (clock.sleep) resolved: its continuation must run before the next event. */
  microtasksPending = false

  constructor (readonly seed: number) {
    this.random = new SimRandom(seed)
  }

  /**
   * Whole virtual ms, what the Clock port and every Unix-ms field see: events run at fractional
   * times (serialization of a few bytes takes microseconds), Date.now() never does.
   */
  get clockMs (): number { return Math.floor(this.nowMs) }

  /** Virtual ms since the start. */
  get elapsedMs (): number { return this.nowMs - SIM_T0_MS }

  /** Runs `run` at absolute virtual time `atMs` (never in the past). */
  at (atMs: number, kind: string, node: number, run: () => void): SimEvent {
    const event: SimEvent = { atMs: Math.max(atMs, this.nowMs), seq: this.seq++, kind, node, run }
    this.queue.push(event)
    return event
  }

  /** Runs `run` after `delayMs` of virtual time. */
  after (delayMs: number, kind: string, node: number, run: () => void): SimEvent {
    return this.at(this.nowMs + delayMs, kind, node, run)
  }

  get pending (): number { return this.queue.size }

  /**
   * Runs events in (time, seq) order. Synchronous models never await, so the loop only yields
   * to the microtask queue after a clock.sleep resolved: its continuation then runs before the
   * next event, as it would with real timers.
   */
  async run (options: RunOptions): Promise<void> {
    for (;;) {
      const next = this.queue.peek()
      if (next === undefined || next.atMs > options.untilMs) break
      this.queue.pop()
      this.nowMs = next.atMs
      this.eventsRun++
      this.trace.event(next.atMs - SIM_T0_MS, next.kind, next.node)
      next.run()
      if (this.microtasksPending) {
        this.microtasksPending = false
        await new Promise<void>(resolve => setImmediate(resolve))
      }
      if (options.stop?.() === true) return
    }
    this.nowMs = Math.max(this.nowMs, options.untilMs)
  }

  /** Appends a line about something other than an event (a decision, a violation). */
  note (line: string): void {
    this.trace.append(`${this.nowMs - SIM_T0_MS} ${line}`)
  }
}
