import { describe, expect, it } from 'vitest'
import { runScenario, scenarios } from './index.js'

// Small fleets and two seeds each: CI time, not coverage of the seed space (npm run sim does that).
const NODES = 150
const SEEDS = [1, 2]

describe('scenarios hold their invariants', () => {
  for (const name of Object.keys(scenarios)) {
    for (const seed of SEEDS) {
      it(`${name}, seed ${seed}`, async () => {
        const result = await runScenario(scenarios[name]!(seed, NODES))
        const why = result.violations.map(v => `${v.invariant}: ${v.message}`).join('\n')
        expect(result.ok, `${why}\n${result.reproduce}`).toBe(true)
        expect(result.world.coordinator.state.status).toBe(result.world.config.expect.status)
        // Forged plans were injected and every one of them died at the first honest hop.
        expect(result.world.forgedPublished).toBeGreaterThan(0)
        expect(result.world.gossip.stats.rejected).toBeGreaterThan(0)
      }, 10_000)
    }
  }
})
