import { describe, expect, it } from 'vitest'
import { EventQueue, SimRandom, Simulation, virtualClock } from './index.js'

describe('engine', () => {
  it('orders events by time, then by insertion', () => {
    const q = new EventQueue()
    const times = [5, 1, 5, 3, 1, 9, 0, 5]
    times.forEach((atMs, seq) => { q.push({ atMs, seq, kind: 'k', node: seq, run: () => {} }) })
    const out: string[] = []
    for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(`${e.atMs}:${e.seq}`)
    expect(out).toEqual(['0:6', '1:1', '1:4', '3:3', '5:0', '5:2', '5:7', '9:5'])
  })

  it('draws the same numbers from the same seed, and others from another', () => {
    const a = new SimRandom(42); const b = new SimRandom(42); const c = new SimRandom(43)
    const draw = (r: SimRandom): number[] => Array.from({ length: 8 }, () => r.nextU32())
    const first = draw(a)
    expect(draw(b)).toEqual(first)
    expect(draw(c)).not.toEqual(first)
    expect(first.every(x => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true)
  })

  it('runs clock.sleep continuations in virtual time, in order', async () => {
    const sim = new Simulation(1)
    const clock = virtualClock(sim)
    const seen: number[] = []
    const start = clock.nowMs()
    void (async () => { await clock.sleep(200); seen.push(clock.nowMs() - start); await clock.sleep(50); seen.push(clock.nowMs() - start) })()
    sim.after(220, 'mark', 0, () => { seen.push(-(clock.nowMs() - start)) })
    await sim.run({ untilMs: start + 1_000 })
    expect(seen).toEqual([200, -220, 250])
  })

  it('rejects a sleep when its signal aborts, and the timer then does nothing', async () => {
    const sim = new Simulation(1)
    const clock = virtualClock(sim)
    const controller = new AbortController()
    const outcome = clock.sleep(1_000, { signal: controller.signal }).then(() => 'resolved', (err: Error) => err.message)
    sim.after(10, 'abort', 0, () => { controller.abort(new Error('stopped')) })
    await sim.run({ untilMs: sim.nowMs + 5_000 })
    expect(await outcome).toBe('stopped')
  })

  it('hashes the same events the same way', async () => {
    const run = async (seed: number): Promise<string> => {
      const sim = new Simulation(seed)
      for (let i = 0; i < 100; i++) sim.after(sim.random.int(1_000), 'e', i, () => {})
      await sim.run({ untilMs: sim.nowMs + 2_000 })
      return sim.trace.hex()
    }
    expect(await run(7)).toBe(await run(7))
    expect(await run(7)).not.toBe(await run(8))
  })
})
