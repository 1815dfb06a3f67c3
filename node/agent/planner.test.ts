import { describe, expect, it } from 'vitest'
import { appSpecSchema } from './app-spec.js'
import { emptyAppState } from './agent-state.js'
import { plan } from './planner.js'
import { recordFailure } from './retry-policy.js'
import { PENALTY_MS_DEFAULT } from './constants.js'
import type { AgentState, AppState, ObservedApp } from './agent-state.js'
import type { AppSpecInput } from './app-spec.js'
import type { ManifestJson } from '../../content/manifest/index.js'

const manifest = (version: string): ManifestJson => ({ name: 'web', version } as unknown as ManifestJson)
const installed = (...versions: string[]): AppState['installed'] => Object.fromEntries(versions.map(v => [v, { dir: `/apps/web/${v}`, entrypoint: ['./web'] }]))

function state (version: string, app: Partial<AppState>, spec: Partial<AppSpecInput> = {}): AgentState {
  return { target: { apps: { web: { spec: appSpecSchema.parse({ name: 'web', ...spec }), manifest: manifest(version) } } }, apps: { web: { ...emptyAppState(), ...app } } }
}
const observed = (running: string[], proxied?: string): Record<string, ObservedApp> =>
  ({ web: { running: Object.fromEntries(running.map(v => [v, true])), health: {}, ...(proxied != null ? { proxied } : {}) } })
const actions = (steps: ReturnType<typeof plan>): string[] => steps.map(s => 'version' in s ? `${s.action} ${s.version}` : s.action)

describe('plan', () => {
  it('installs, starts, checks and commits a first version', () => {
    expect(actions(plan(state('1', {}), {}, { nowMs: 0 }))).toEqual(['install 1'])
    expect(actions(plan(state('1', { installed: installed('1') }), {}, { nowMs: 0 }))).toEqual(['start 1', 'await-healthy 1', 'switch 1'])
  })

  it('is empty when converged', () => {
    expect(plan(state('1', { installed: installed('1'), active: '1' }), observed(['1']), { nowMs: 0 })).toEqual([])
  })

  it('stop-start stops the old version before starting the new one', () => {
    const s = state('2', { installed: installed('1', '2'), active: '1' })
    expect(actions(plan(s, observed(['1']), { nowMs: 0 }))).toEqual(['stop 1', 'start 2', 'await-healthy 2', 'switch 2'])
  })

  it('blue-green keeps the old version serving until the new one is committed, then stops it', () => {
    const s = state('2', { installed: installed('1', '2'), active: '1' }, { update: { strategy: 'blue-green' }, ports: [{ port: 8080 }] })
    expect(actions(plan(s, observed(['1'], '1'), { nowMs: 0 }))).toEqual(['start 2', 'await-healthy 2', 'switch 2'])
    const committed = state('2', { installed: installed('1', '2'), active: '2', previous: '1' }, { update: { strategy: 'blue-green' }, ports: [{ port: 8080 }] })
    expect(actions(plan(committed, observed(['1', '2'], '2'), { nowMs: 0 }))).toEqual(['stop 1'])
  })

  it('rolls back locally while a failed version waits, and retries it after the backoff', () => {
    const failures = { 2: recordFailure(undefined, 'HTTP 500', 1_000, PENALTY_MS_DEFAULT) }
    const s = state('2', { installed: installed('1', '2'), active: '1', failures }, { ports: [{ port: 8080 }] })
    expect(actions(plan(s, observed(['2'], '2'), { nowMs: 1_001 }))).toEqual(['stop 2', 'start 1', 'await-healthy 1', 'switch 1'])
    expect(plan(s, observed(['1'], '1'), { nowMs: 1_001 })).toEqual([])
    expect(actions(plan(s, observed(['1'], '1'), { nowMs: failures[2].retryAtMs }))).toEqual(['stop 1', 'start 2', 'await-healthy 2', 'switch 2'])
  })

  it('puts a version in the penalty box after three failures', () => {
    let f = recordFailure(undefined, 'x', 0, 60_000)
    f = recordFailure(f, 'x', f.retryAtMs, 60_000)
    expect(f.penaltyUntilMs).toBeUndefined()
    f = recordFailure(f, 'x', f.retryAtMs, 60_000)
    expect(f.penaltyUntilMs).toBe(f.attemptsMs.at(-1)! + 60_000)
  })

  it('after a crash restarts the active version and re-points its ports; keeps only the previous version installed', () => {
    const s = state('3', { installed: installed('1', '2', '3'), active: '3', previous: '2' }, { ports: [{ port: 8080 }] })
    expect(actions(plan(s, observed([]), { nowMs: 0 }))).toEqual(['start 3', 'await-healthy 3', 'switch 3', 'uninstall 1'])
  })

  it('removes an app that is no longer targeted', () => {
    const s: AgentState = { target: { apps: {} }, apps: { web: { ...emptyAppState(), installed: installed('1'), active: '1' } } }
    expect(actions(plan(s, observed(['1']), { nowMs: 0 }))).toEqual(['stop 1'])
    expect(actions(plan(s, observed([]), { nowMs: 0 }))).toEqual(['uninstall 1'])
    expect(actions(plan({ ...s, apps: { web: emptyAppState() } }, {}, { nowMs: 0 }))).toEqual(['forget'])
  })
})
