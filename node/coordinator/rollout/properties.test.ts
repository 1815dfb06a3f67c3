/**
 * Properties over seeded random operation sequences (STYLE rule 14): plan seqs are consecutive,
 * transitions follow the state machine, history stays bounded, terminal states stay terminal,
 * and the same inputs give the same outputs. Failures print the seed to reproduce.
 */
import { describe, expect, it } from 'vitest'
import { Health } from '../../../proto/index.js'
import { RolloutDriver, syntheticFleet, syntheticReport, T0_MS } from './fixtures.js'
import { decide, DeploymentCommandError, HISTORY_MAX, initialDeploymentState, parseDeploymentSpec, pause, promote, resume, rollback } from './index.js'
import type { DeploymentSpecInput, DeploymentState, DeploymentStatus, RolloutAction } from './index.js'
import { mulberry32 } from '../../../test/support/mulberry32.js'

const MIN = 60_000
const triggers: DeploymentSpecInput['triggers'] = [
  { metric: 'error_rate', threshold: 0.5, minSamples: 3, action: 'gradual' },
  { metric: 'custom:queue_depth', threshold: 100, minSamples: 1 }
]
const base = {
  id: 'dep-props', app: 'edge-app', version: '2.0.0', rollbackTo: '1.9.0', target: 'group:fleet', minSamples: 2, triggers,
  consecutiveInconclusiveMax: 3, gradualStepTimeoutMs: 20 * MIN, rollbackTimeoutMs: 120 * MIN, circuitBreaker: { failuresMax: 4, windowMs: 2 * MIN }
}
const strategies: DeploymentSpecInput[] = [
  { ...base, strategy: 'canary', phases: [{ percent: 5, durationMs: 5 * MIN }, { percent: 30, durationMs: 5 * MIN, validation: 'manual' }, { percent: 100, durationMs: 5 * MIN }] },
  { ...base, strategy: 'rolling', rolling: { batchPercent: 20, maxUnavailablePercent: 20 } },
  { ...base, strategy: 'blue-green', blueGreen: { stageDurationMs: MIN, switchDurationMs: MIN } },
  { ...base, strategy: 'all-at-once', allAtOnce: { durationMs: 5 * MIN } }
]

const ALLOWED: Record<DeploymentStatus, DeploymentStatus[]> = {
  pending: ['running', 'failed', 'paused', 'rolled-back'],
  running: ['running', 'awaiting-approval', 'paused', 'succeeded', 'rolling-back'],
  'awaiting-approval': ['running', 'succeeded', 'paused', 'rolling-back'],
  paused: ['pending', 'running', 'awaiting-approval', 'rolling-back'],
  succeeded: ['rolling-back'],
  'rolling-back': ['rolled-back', 'failed'],
  failed: ['rolling-back', 'rolled-back'],
  'rolled-back': []
}

/** Runs 300 random operations; returns every action and the final state, checking invariants on the way. */
function run (input: DeploymentSpecInput, seed: number): { actions: RolloutAction[], final: DeploymentState, visited: Set<DeploymentStatus> } {
  const random = mulberry32(seed)
  const r = new RolloutDriver(parseDeploymentSpec(input), syntheticFleet(120))
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  for (let i = 0; i < 300; i++) {
    const before = r.state
    const seen = r.actions.length
    const roll = random()
    try {
      if (roll < 0.5) {
        const who = r.cohort().filter(() => random() < 0.4)
        const kind = pick(['healthy', 'healthy', 'healthy', 'healthy', 'healthy', 'healthy', 'staged', 'staged', 'unhealthy', 'old', 'unknown', 'queue'] as const)
        if (kind === 'healthy') r.report(who)
        else if (kind === 'unhealthy') r.report(who.slice(0, 1), { health: Health.UNHEALTHY })
        else if (kind === 'old') r.report(who, { appVersion: '1.9.0' })
        else if (kind === 'unknown') r.report(who, { health: Health.UNKNOWN })
        else if (kind === 'staged') r.report(who, { step: 'stage' })
        else r.report(who.slice(0, 1), { metrics: new Map([['queue_depth', random() < 0.05 ? 500 : 10]]) })
      } else if (roll < 0.97) {
        r.tick(Math.floor(random() * 4 * MIN))
      } else {
        const command = pick(['promote', 'promote', 'pause', 'resume', 'resume', 'rollback', 'rollback-gradual'] as const)
        try {
          if (command === 'promote') r.apply(promote(r.spec, r.state, r.ctx))
          else if (command === 'pause') r.apply(pause(r.spec, r.state, r.ctx))
          else if (command === 'resume') r.apply(resume(r.spec, r.state, r.ctx))
          else r.apply(rollback(r.spec, r.state, r.ctx, 'chaos', { mode: command === 'rollback' ? 'immediate' : 'gradual' }))
        } catch (err) {
          if (!(err instanceof DeploymentCommandError)) throw err
          expect(r.state).toBe(before) // a refused command changes nothing
        }
      }
    } catch (err) {
      throw new Error(`${String(err)}\nreproduce with --seed=${seed} (${input.strategy}, operation ${i})`, { cause: err })
    }
    const fresh = r.actions.slice(seen)
    const plans = fresh.filter(a => a.type === 'publish-plan')
    plans.forEach((p, k) => expect(p.seq, `seed ${seed}`).toBe(before.planSeq + k + 1))
    expect(r.state.planSeq).toBe(before.planSeq + plans.length)
    fresh.forEach((a, k) => { if (a.type === 'wake-at') { expect(k).toBe(fresh.length - 1); expect(a.atMs).toBeGreaterThan(r.nowMs) } })
    if (['succeeded', 'rolled-back', 'failed'].includes(before.status) && fresh.length === 0) expect(r.state).toBe(before)
    expect(r.state.history.length).toBeLessThanOrEqual(HISTORY_MAX)
  }
  for (const t of r.state.history) expect(ALLOWED[t.from], `${t.from} → ${t.to}, seed ${seed}`).toContain(t.to)
  return { actions: r.actions, final: r.state, visited: new Set(r.state.history.map(t => t.to)) }
}

describe('rollout properties', () => {
  for (const input of strategies) {
    it(`${input.strategy}: consecutive plan seqs and legal transitions over random runs`, () => {
      const finals = new Set<DeploymentStatus>()
      const visited = new Set<DeploymentStatus>()
      for (let seed = 1; seed <= 12; seed++) {
        const result = run(input, seed)
        finals.add(result.final.status)
        for (const s of result.visited) visited.add(s)
      }
      // The runs explore more than one outcome, through pauses and rollbacks.
      expect(finals.size).toBeGreaterThan(1)
      expect([...visited]).toEqual(expect.arrayContaining(['running', 'paused', 'rolling-back']))
    })
  }

  it('is deterministic: the same inputs give the same outputs', () => {
    for (const input of strategies) expect(run(input, 7)).toEqual(run(input, 7))
    const spec = parseDeploymentSpec(strategies[0])
    const devices = syntheticFleet(50)
    const started = decide(spec, initialDeploymentState(spec.id), new Map(), { nowMs: T0_MS, devices }).state
    const reports = new Map(devices.map(d => [d.id, syntheticReport(spec, d.id, { metrics: new Map([['queue_depth', 10]]) })]))
    const once = decide(spec, started, reports, { nowMs: T0_MS + 9 * MIN, devices })
    expect(once.state.phase).toBe(1)
    expect(decide(spec, started, reports, { nowMs: T0_MS + 9 * MIN, devices })).toEqual(once)
    expect(started.phase).toBe(0) // inputs are not mutated
  })

  it('decides for 10,000 devices in one pass', () => {
    const spec = parseDeploymentSpec({ ...base, id: 'dep-10k', strategy: 'canary', phases: [{ percent: 5, durationMs: 0 }, { percent: 100, durationMs: 0 }], triggers: [{ metric: 'error_rate', threshold: 0.05, minSamples: 50 }, { metric: 'cpu_usage', threshold: 90, minSamples: 50 }] })
    const r = new RolloutDriver(spec, syntheticFleet(10_000, { groups: ['fleet', 'eu'] }))
    r.tick()
    r.report(r.cohort(), { metrics: new Map([['cpu_usage', 20]]) })
    r.tick(MIN)
    expect(r.state.phase).toBe(1)
    r.report(r.devices, { metrics: new Map([['cpu_usage', 20]]) })
    r.tick(MIN)
    expect(r.state.status).toBe('succeeded')
  })
})
