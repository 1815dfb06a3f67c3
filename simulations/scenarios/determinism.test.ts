import { describe, expect, it } from 'vitest'
import { runScenario, scenarios } from './index.js'

describe('determinism', () => {
  it('the same seed gives the same trace hash; another seed another', async () => {
    const run = async (seed: number): Promise<string> => (await runScenario(scenarios['churn-loss']!(seed, 60))).world.sim.trace.hex()
    const first = await run(11)
    expect(await run(11)).toBe(first)
    expect(await run(12)).not.toBe(first)
  })
})
