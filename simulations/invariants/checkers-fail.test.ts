/**
 * The invariant checkers can fail: deliberately broken controllers and a node build that skips
 * signature checks must each be caught. A checker that never fires proves nothing.
 */
import { describe, expect, it } from 'vitest'
import { decide } from '../../node/coordinator/rollout/index.js'
import { DEFAULT_GOSSIP } from '../gossip/index.js'
import { runScenario, scenarios } from '../scenarios/index.js'
import type { Controller } from '../coordinator/index.js'

const NODES = 120

/** Rolls forward like the real one, but a fired trigger only pauses: the canaries stay targeted at the bad version. */
const neverRollsBack: Controller = (spec, state, reports, ctx) => {
  const decision = decide(spec, state, reports, ctx)
  if (decision.state.status !== 'rolling-back') return decision
  return { state: { ...state, status: 'paused', pausedFrom: 'running' }, actions: decision.actions.filter(a => a.type === 'audit') }
}

/** Publishes every plan to the whole fleet at once, ignoring the cohorts of the phases. */
const ignoresCohorts: Controller = (spec, state, reports, ctx) => {
  const decision = decide(spec, state, reports, ctx)
  return { ...decision, actions: decision.actions.map(a => a.type === 'publish-plan' ? { ...a, phase: a.phaseBasisPoints.length - 1 } : a) }
}

describe('the invariant checkers catch', () => {
  it('a controller that never rolls back (liveness: devices left on the bad version)', async () => {
    const result = await runScenario(scenarios['canary-bad-version']!(3, NODES), { controller: neverRollsBack })
    expect(result.ok).toBe(false)
    expect(result.violations.map(v => v.invariant)).toContain('converges')
    expect(result.reproduce).toContain('--seed=3')
  })

  it('a controller that publishes to 100% at once (safety: devices outside the allowed cohort)', async () => {
    const result = await runScenario(scenarios['canary-good']!(3, NODES), { controller: ignoresCohorts })
    expect(result.ok).toBe(false)
    expect(result.violations.some(v => v.kind === 'safety' && v.invariant === 'allowed-version')).toBe(true)
  })

  it('nodes that skip signature checks (safety: a forged plan applied)', async () => {
    const config = scenarios['canary-good']!(4, NODES)
    const result = await runScenario({ ...config, gossip: { ...DEFAULT_GOSSIP, checkSignatures: false } })
    expect(result.ok).toBe(false)
    expect(result.violations.map(v => v.invariant)).toContain('no-forged-plan-applied')
  })
})
