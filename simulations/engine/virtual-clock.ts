/**
 * The project's Clock port over virtual time, so code written against node/ports (backoff,
 * sleeps in loops) runs unchanged in the simulator. A cancelled sleep stays in the queue and
 * does nothing when it fires: cheaper than removing it from the heap.
 */
import type { Simulation } from './simulation.js'
import type { AbortOptions, Clock } from '../../node/ports/index.js'

export function virtualClock (sim: Simulation, node = -1): Clock {
  return {
    nowMs: () => sim.clockMs,
    sleep: async (ms: number, options: AbortOptions = {}) => {
      const signal = options.signal
      signal?.throwIfAborted()
      await new Promise<void>((resolve, reject) => {
        let done = false
        const onAbort = (): void => {
          if (done) return
          done = true
          sim.microtasksPending = true
          reject(signal?.reason instanceof Error ? signal.reason : new Error('sleep aborted', { cause: signal?.reason }))
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        sim.after(Math.max(0, ms), 'sleep', node, () => {
          if (done) return
          done = true
          signal?.removeEventListener('abort', onAbort)
          sim.microtasksPending = true
          resolve()
        })
      })
    }
  }
}
