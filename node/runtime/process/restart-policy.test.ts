import { describe, expect, it } from 'vitest'
import { CRASH_LOOP_EXITS, RESTART_BACKOFF_MS_BASE, RESTART_BACKOFF_MS_MAX, RUN_RESET_BACKOFF_MS } from './constants.js'
import { decideRestart } from './restart-policy.js'
import type { ExitRecord } from './restart-policy.js'

const exit = (atMs: number, code: number | null, ranMs = 100): ExitRecord => ({ atMs, ranMs, code, signal: null })

describe('decideRestart', () => {
  it('follows the policy: always, on-failure only on failure, never', () => {
    expect(decideRestart('always', [exit(0, 0)], 0).restart).toBe(true)
    expect(decideRestart('on-failure', [exit(0, 0)], 0).restart).toBe(false)
    expect(decideRestart('on-failure', [exit(0, 1)], 0).restart).toBe(true)
    expect(decideRestart('on-failure', [exit(0, null)], 0).restart).toBe(true)
    expect(decideRestart('never', [exit(0, 1)], 0).restart).toBe(false)
  })

  it('doubles the delay per consecutive short run, capped, and resets after a long run', () => {
    const exits: ExitRecord[] = []
    const delays: number[] = []
    for (let i = 0; i < 10; i++) {
      exits.push(exit(i * 1_000_000, 1))
      delays.push(decideRestart('always', exits, i * 1_000_000).delayMs)
    }
    expect(delays.slice(0, 4)).toEqual([RESTART_BACKOFF_MS_BASE, 2 * RESTART_BACKOFF_MS_BASE, 4 * RESTART_BACKOFF_MS_BASE, 8 * RESTART_BACKOFF_MS_BASE])
    expect(delays.at(-1)).toBe(RESTART_BACKOFF_MS_MAX)
    exits.push(exit(11_000_000, 1, RUN_RESET_BACKOFF_MS + 1))
    expect(decideRestart('always', exits, 11_000_000).delayMs).toBe(RESTART_BACKOFF_MS_BASE)
  })

  it('reports a crash loop once enough short runs fall in the window', () => {
    const exits = Array.from({ length: CRASH_LOOP_EXITS - 1 }, (_, i) => exit(i * 1000, 1))
    expect(decideRestart('always', exits, 5_000).crashLoopCount).toBe(0)
    exits.push(exit(5_000, 1))
    expect(decideRestart('always', exits, 5_000).crashLoopCount).toBe(CRASH_LOOP_EXITS)
    // An hour later the old exits are out of the window.
    expect(decideRestart('always', exits, 3_600_000).crashLoopCount).toBe(0)
  })
})
