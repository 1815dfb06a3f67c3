import { describe, expect, it } from 'vitest'
import { runScenario, scenarios } from './index.js'

const hashOf = async (name: string, seed: number): Promise<string> => (await runScenario(scenarios[name]!(seed, 60))).world.sim.trace.hex()

describe('determinism', () => {
  for (const name of ['churn-loss', 'partition', 'canary-bad-version']) {
    it(`${name}: the same seed gives the same trace hash; another seed another`, async () => {
      const first = await hashOf(name, 11)
      expect(await hashOf(name, 11)).toBe(first)
      expect(await hashOf(name, 12)).not.toBe(first)
    })
  }
})
