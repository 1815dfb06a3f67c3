/**
 * The simulation engine (issue [5/9]): virtual clock, event queue, one seeded PRNG, a hashed
 * event trace. Everything a scenario does is a callback scheduled on one Simulation.
 *
 * @example
 * ```ts
 * import { Simulation, virtualClock } from './index.js'
 * const sim = new Simulation(42)
 * const clock = virtualClock(sim)
 * sim.after(1_000, 'hello', 0, () => { console.log(clock.nowMs()) })
 * await sim.run({ untilMs: sim.nowMs + 5_000 })
 * console.log(sim.trace.hex())
 * ```
 */
export { Simulation, SIM_T0_MS } from './simulation.js'
export type { RunOptions } from './simulation.js'
export { SimRandom } from './prng.js'
export { EventQueue } from './event-queue.js'
export type { SimEvent } from './event-queue.js'
export { Trace } from './trace.js'
export { virtualClock } from './virtual-clock.js'
export { percentile, summarize } from './stats.js'
export type { Distribution } from './stats.js'
