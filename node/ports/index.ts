/**
 * Ports through which domain code reaches time and chance (DESIGN "a pure core, injected
 * edges"). Domain code never calls `Date.now()`, `setTimeout` or `Math.random()` itself, so the
 * simulator can drive the same code with a virtual clock and a seeded PRNG.
 *
 * @example
 * ```ts
 * import { systemClock } from './ports/index.js'
 * const clock = systemClock()
 * await clock.sleep(10)
 * console.log(clock.nowMs())
 * ```
 */
import { randomInt } from 'node:crypto'
import { setTimeout as sleepMs } from 'node:timers/promises'

export interface AbortOptions { signal?: AbortSignal }

export interface Clock {
  /** Milliseconds since the Unix epoch (virtual in the simulator). */
  nowMs(): number
  /** Resolves after `ms`; rejects with the signal's reason when aborted. */
  sleep(ms: number, options?: AbortOptions): Promise<void>
}

export interface Random {
  /** A uniformly distributed unsigned 32-bit integer. */
  nextU32(): number
}

export function systemClock (): Clock {
  return {
    nowMs: () => Date.now(),
    sleep: async (ms, options = {}) => { await sleepMs(ms, undefined, { signal: options.signal }) }
  }
}

export function systemRandom (): Random {
  return { nextU32: () => randomInt(0, 2 ** 32 - 1) }
}

/** Full-jitter exponential backoff: the delay before attempt `attempt` (0-based). */
export function backoffMs (attempt: number, baseMs: number, capMs: number, random: Random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30))
  return Math.floor((random.nextU32() / 2 ** 32) * ceiling)
}
