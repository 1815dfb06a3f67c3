import { describe, expect, it } from 'vitest'
import { RolloutDriver, syntheticFleet } from './fixtures.js'
import { DeploymentCommandError, parseDeploymentSpec, pause, promote, resume, rollback } from './index.js'
import type { Decision, DeploymentState, DeploymentStatus } from './index.js'

const spec = parseDeploymentSpec({
  id: 'dep-cmd', app: 'edge-app', version: '2.0.0', rollbackTo: '1.9.0', target: 'group:fleet', minSamples: 1, strategy: 'canary',
  phases: [{ percent: 50, durationMs: 0, validation: 'manual' }, { percent: 100, durationMs: 0 }]
})

/** A driver whose deployment is in `status`, reached through the controller itself. */
function at (status: DeploymentStatus): RolloutDriver {
  const r = new RolloutDriver(spec, syntheticFleet(20, { groups: status === 'failed' ? ['elsewhere'] : ['fleet'] }))
  if (status === 'pending') return r
  r.tick()
  if (status === 'failed' || status === 'running') return r
  if (status === 'rolled-back') {
    const fresh = new RolloutDriver(spec, r.devices)
    fresh.apply(rollback(spec, fresh.state, fresh.ctx, 'not needed'))
    return fresh
  }
  if (status === 'rolling-back') {
    r.apply(rollback(spec, r.state, r.ctx, 'bad build'))
    return r
  }
  r.report(r.cohort())
  r.tick(1)
  if (status === 'awaiting-approval') return r
  if (status === 'paused') {
    r.apply(pause(spec, r.state, r.ctx, { reason: 'lunch' }))
    return r
  }
  r.apply(promote(spec, r.state, r.ctx))
  r.report(r.cohort())
  r.tick(1)
  return r
}

const STATUSES: DeploymentStatus[] = ['pending', 'running', 'awaiting-approval', 'paused', 'succeeded', 'rolling-back', 'rolled-back', 'failed']
type Command = (r: RolloutDriver) => Decision
const COMMANDS: Record<string, Command> = {
  promote: r => promote(spec, r.state, r.ctx),
  pause: r => pause(spec, r.state, r.ctx),
  resume: r => resume(spec, r.state, r.ctx),
  rollback: r => rollback(spec, r.state, r.ctx, 'operator says so')
}
// What each command leads to from each status; null: refused with DeploymentCommandError.
const EXPECTED: Record<string, Array<DeploymentStatus | null>> = {
  //        pending        running          awaiting         paused          succeeded        rolling-back rolled-back failed
  promote: [null, 'running', 'running', null, null, null, null, null],
  pause: ['paused', 'paused', 'paused', null, null, null, null, null],
  resume: [null, null, null, 'awaiting-approval', null, null, null, null],
  rollback: ['rolled-back', 'rolling-back', 'rolling-back', 'rolling-back', 'rolling-back', null, null, 'rolled-back']
}

describe('operator commands', () => {
  it('reach every status through the controller', () => {
    for (const status of STATUSES) expect(at(status).state.status).toBe(status)
  })

  for (const [name, command] of Object.entries(COMMANDS)) {
    it.each(STATUSES.map((status, i) => [status, EXPECTED[name]?.[i] ?? null] as const))(`${name} from %s → %s`, (status, expected) => {
      const r = at(status)
      const before: DeploymentState = r.state
      if (expected === null) {
        expect(() => command(r)).toThrow(DeploymentCommandError)
        try {
          command(r)
        } catch (err) {
          expect(err).toMatchObject({ code: 'FLEET_ERR_DEPLOYMENT_COMMAND', command: name === 'rollback' ? 'roll back' : name, deploymentStatus: status })
          expect((err as Error).message).toContain(`it is ${status}`)
        }
        return
      }
      const decision = r.apply(command(r))
      expect(decision.state.status).toBe(expected)
      expect(decision.state.history.at(-1)).toMatchObject({ from: status, to: expected, reason: { code: 'operator' } })
      expect(decision.actions.some(a => a.type === 'audit')).toBe(true)
      expect(decision.state.planSeq).toBe(before.planSeq + decision.actions.filter(a => a.type === 'publish-plan').length)
    })
  }

  it('promotes the last phase to success and resumes to where the deployment was', () => {
    const r = at('running')
    r.apply(promote(spec, r.state, r.ctx))
    expect(r.state).toMatchObject({ status: 'running', phase: 1 })
    r.apply(pause(spec, r.state, r.ctx))
    expect(r.apply(resume(spec, r.state, r.ctx)).state.status).toBe('running')
    r.apply(promote(spec, r.state, r.ctx, { actor: 'bob', reason: 'looks good' }))
    expect(r.state.status).toBe('succeeded')
    expect(r.state.reason).toEqual({ code: 'operator', message: 'looks good' })
  })

  it('turns a gradual rollback into an immediate one, and no further', () => {
    const r = at('running')
    r.apply(promote(spec, r.state, r.ctx))
    r.apply(rollback(spec, r.state, r.ctx, 'slow', { mode: 'gradual' }))
    expect(r.state.rollback).toMatchObject({ mode: 'gradual', step: 0 })
    r.apply(rollback(spec, r.state, r.ctx, 'faster'))
    expect(r.state.rollback).toMatchObject({ mode: 'immediate', step: 1 })
    expect(r.plans().map(p => [p.seq, p.phase, p.rollback])).toEqual([[1, 0, false], [2, 1, false], [3, 0, true], [4, 1, true]])
    expect(() => rollback(spec, r.state, r.ctx, 'again')).toThrow(/rollback is in progress/)
  })
})
