/**
 * A Clock whose sleeps complete in virtual time, earliest first, as soon as the event loop has
 * nothing else to run: hours of duty-cycle waiting pass in milliseconds. For tests, benches and
 * simulations only; code that times out real I/O keeps the system clock.
 */
import type { AbortOptions, Clock } from '../../node/ports/index.js'

interface Sleeper { wakeMs: number, seq: number, resolve: () => void }

export function steppingClock (startMs = 0): Clock {
  let now = startMs
  let seq = 0
  let ticking = false
  const sleepers: Sleeper[] = []
  const tick = (): void => {
    ticking = false
    if (sleepers.length === 0) return
    sleepers.sort((a, b) => a.wakeMs - b.wakeMs || a.seq - b.seq)
    const next = sleepers.shift()!
    now = Math.max(now, next.wakeMs)
    next.resolve()
    schedule()
  }
  const schedule = (): void => {
    if (ticking || sleepers.length === 0) return
    ticking = true
    setImmediate(tick)
  }
  return {
    nowMs: () => now,
    sleep: async (ms: number, options: AbortOptions = {}) => {
      options.signal?.throwIfAborted()
      await new Promise<void>((resolve, reject) => {
        const sleeper: Sleeper = { wakeMs: now + Math.max(0, ms), seq: seq++, resolve }
        options.signal?.addEventListener('abort', () => {
          const i = sleepers.indexOf(sleeper)
          if (i >= 0) sleepers.splice(i, 1)
          reject(options.signal?.reason instanceof Error ? options.signal.reason : new Error('sleep aborted'))
        }, { once: true })
        sleepers.push(sleeper)
        schedule()
      })
    }
  }
}
