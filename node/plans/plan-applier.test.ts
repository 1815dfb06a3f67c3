import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeDeviceReport, decodePlan, Health } from '../../proto/index.js'
import { signingKey, testManifest, testPlan } from '../../test/plans/plan-fixtures.js'
import { silentLogger } from '../logging/index.js'
import { cohortBucket, openPlanStore, openReportOutbox, planApplier, signPlan } from './index.js'
import type { AgentEvent } from '../agent/index.js'
import type { DeviceReport, Plan } from '../../proto/index.js'
import type { DeviceIdentity } from './index.js'

const plan = (overrides: Parameters<typeof testPlan>[0] = {}): Plan => testPlan(overrides) as Plan

async function setup (device: DeviceIdentity = { id: 'dev-a', labels: { site: 'berlin' }, groups: ['cameras'] }, running?: string, stage?: (manifest: unknown) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'fleetd-applier-'))
  const store = await openPlanStore(dir)
  let nowMs = Date.now()
  const clock = { nowMs: () => nowMs }
  const outbox = await openReportOutbox(dir, { clock, deviceId: device.id })
  const calls: Array<{ spec: unknown, manifest: unknown }> = []
  const listeners = new Set<(event: AgentEvent) => void>()
  let refuse: Error | undefined
  const applier = planApplier()({
    device: () => device,
    setApp: (spec, manifest) => {
      if (refuse != null) return Promise.reject(refuse)
      calls.push({ spec, manifest })
      return Promise.resolve()
    },
    runningVersion: () => running,
    agentEvents: { onEvent: (l) => { listeners.add(l); return () => { listeners.delete(l) } } },
    outbox, store, clock, logger: silentLogger,
    ...(stage != null ? { stage } : {})
  })
  applier.start()
  const reports = async (): Promise<DeviceReport[]> => (await outbox.peek(100, 1 << 20)).map(e => decodeDeviceReport(e.bytes))
  return {
    applier, store, calls, reports,
    emit: (event: AgentEvent) => { for (const l of listeners) l(event) },
    advance: (ms: number) => { nowMs += ms },
    refuseWith: (err: Error) => { refuse = err },
    close: async () => { applier.stop(); await outbox.close() }
  }
}

describe('plan applier', () => {
  it('gives the agent a targeted plan once, and reports the target being set', async () => {
    const t = await setup()
    expect(await t.applier.apply(plan({ cohort: { phaseBasisPoints: [10_000], currentPhase: 0, target: 'group:cameras' } })))
      .toEqual({ kind: 'applied', app: 'edge-app', version: '1.2.0', rollback: false, unchanged: false })
    expect(t.calls).toHaveLength(1)
    expect(t.calls[0]?.spec).toMatchObject({ name: 'edge-app', runtime: 'process', env: { MODE: 'prod' } })
    expect(t.calls[0]?.manifest).toMatchObject({ name: 'edge-app', version: '1.2.0', sha256: '07'.repeat(32) })
    expect(await t.applier.apply(plan())).toEqual({ kind: 'skipped', reason: 'already-applied' })
    expect(t.store.applied('dep-1')).toMatchObject({ seq: 1, outcome: 'applied', app: 'edge-app', version: '1.2.0' })
    expect(await t.reports()).toMatchObject([{ deviceId: 'dev-a', deploymentId: 'dep-1', planSeq: 1, step: 'target', health: Health.UNKNOWN }])
    await t.close()
  })

  it('stages a blue-green standby plan without giving it to the agent; the switch plan then does', async () => {
    const staged: unknown[] = []
    const t = await setup(undefined, '1.1.0', async (manifest) => { staged.push(manifest); await Promise.resolve() })
    const cohort = { phaseBasisPoints: [10_000, 10_000], currentPhase: 0, target: 'all' }
    expect(await t.applier.apply(plan({ standby: true, cohort }))).toEqual({ kind: 'applied', app: 'edge-app', version: '1.2.0', rollback: false, unchanged: false })
    expect(staged).toMatchObject([{ name: 'edge-app', version: '1.2.0' }])
    expect(t.calls).toHaveLength(0)
    expect(await t.reports()).toMatchObject([{ step: 'stage', health: Health.HEALTHY, appVersion: '1.2.0', planSeq: 1 }])
    expect(await t.applier.apply(plan({ seq: 2, cohort: { ...cohort, currentPhase: 1 } }))).toMatchObject({ kind: 'applied', unchanged: false })
    expect(t.calls).toHaveLength(1)
    await t.close()
  })

  it('fails a standby plan on a node that cannot stage, and retries a failed fetch later', async () => {
    const t = await setup()
    expect(await t.applier.apply(plan({ standby: true }))).toMatchObject({ kind: 'failed' })
    expect(t.calls).toHaveLength(0)
    await t.close()
    let fail = true
    const u = await setup(undefined, undefined, async () => { await Promise.resolve(); if (fail) throw new Error('no peer has the blocks') })
    expect(await u.applier.apply(plan({ standby: true }))).toMatchObject({ kind: 'failed', message: expect.stringContaining('no peer has the blocks') as string })
    fail = false
    expect(await u.applier.apply(plan({ standby: true }))).toMatchObject({ kind: 'applied' })
    await u.close()
  })

  it('skips devices outside the target or the current cohort phase', async () => {
    const t = await setup()
    expect(await t.applier.apply(plan({ cohort: { phaseBasisPoints: [10_000], currentPhase: 0, target: 'site=paris' } })))
      .toEqual({ kind: 'skipped', reason: 'not-targeted' })
    const bucket = cohortBucket('dep-1', 'dev-a')
    expect(await t.applier.apply(plan({ seq: 2, cohort: { phaseBasisPoints: [bucket, 10_000], currentPhase: 0, target: 'all' } })))
      .toEqual({ kind: 'skipped', reason: 'not-in-cohort' })
    expect(await t.applier.apply(plan({ seq: 3, cohort: { phaseBasisPoints: [bucket, 10_000], currentPhase: 1, target: 'all' } })))
      .toMatchObject({ kind: 'applied' })
    expect(t.calls).toHaveLength(1)
    await t.close()
  })

  it('does not give the agent the same target again when a later phase changes nothing for it', async () => {
    const t = await setup()
    await t.applier.apply(plan({ cohort: { phaseBasisPoints: [10_000, 10_000], currentPhase: 0, target: 'all' } }))
    expect(await t.applier.apply(plan({ seq: 2, cohort: { phaseBasisPoints: [10_000, 10_000], currentPhase: 1, target: 'all' } })))
      .toMatchObject({ kind: 'applied', unchanged: true })
    expect(t.calls).toHaveLength(1)
    await t.close()
  })

  it('reports HEALTHY at once when the device already runs the version', async () => {
    const t = await setup(undefined, '1.2.0')
    await t.applier.apply(plan())
    expect(await t.reports()).toMatchObject([{ step: 'switch', health: Health.HEALTHY, appVersion: '1.2.0' }])
    await t.close()
  })

  it('rolls back to the version a rollback plan names', async () => {
    const t = await setup()
    await t.applier.apply(plan())
    expect(await t.applier.apply(plan({ seq: 2, rollbackTo: '1.1.0', manifest: testManifest('1.1.0') })))
      .toMatchObject({ kind: 'applied', version: '1.1.0', rollback: true })
    expect(t.calls[1]?.manifest).toMatchObject({ version: '1.1.0' })
    await t.close()
  })

  it('reports a plan it cannot carry out as FLEET_ERR_PLAN_INVALID, once', async () => {
    const t = await setup()
    const bad = plan({ cohort: { phaseBasisPoints: [10_000], currentPhase: 0, target: 'site~berlin' } })
    expect(await t.applier.apply(bad)).toMatchObject({ kind: 'failed', code: 'FLEET_ERR_PLAN_INVALID' })
    expect(await t.applier.apply(bad)).toEqual({ kind: 'skipped', reason: 'already-applied' })
    const refused = Object.assign(new Error('this device already runs 16 apps'), { name: 'AppTargetError' })
    t.refuseWith(refused)
    expect(await t.applier.apply(plan({ seq: 2 }))).toMatchObject({ kind: 'failed', code: 'FLEET_ERR_PLAN_INVALID', message: /did not take edge-app@1.2.0: this device already runs 16 apps/ })
    expect((await t.reports()).map(r => [r.planSeq, r.health, r.errorCode])).toEqual([[1, Health.UNHEALTHY, 'FLEET_ERR_PLAN_INVALID'], [2, Health.UNHEALTHY, 'FLEET_ERR_PLAN_INVALID']])
    await t.close()
  })

  it('turns agent events into reports of the deployment that set the app', async () => {
    const t = await setup()
    await t.applier.apply(plan({ seq: 4 }))
    t.emit({ type: 'updated', atMs: 1, app: 'edge-app', version: '1.2.0', from: '1.1.0' })
    t.emit({ type: 'update-failed', atMs: 2, app: 'edge-app', version: '1.3.0', error: 'await-healthy: HTTP 500 from /health', attempts: 2, retryAtMs: 3, rollbackTo: '1.2.0' })
    t.emit({ type: 'updated', atMs: 3, app: 'local-app', version: '0.1.0' })
    t.emit({ type: 'converged', atMs: 4 })
    await new Promise(resolve => setTimeout(resolve, 100))
    const [, updated, failed, ...rest] = await t.reports()
    expect(updated).toMatchObject({ deploymentId: 'dep-1', planSeq: 4, step: 'switch', health: Health.HEALTHY, appVersion: '1.2.0', errorCode: '' })
    expect(failed).toMatchObject({ step: 'await-healthy', health: Health.UNHEALTHY, appVersion: '1.2.0', errorCode: 'FLEET_ERR_HEALTH_CHECK_FAILED' })
    expect(failed?.errorMessage).toMatch(/edge-app@1.3.0 failed \(attempt 2\): await-healthy: HTTP 500/)
    expect(rest).toEqual([])
    // A later seq that leaves this device out still owns the app the device runs.
    expect(await t.applier.apply(plan({ seq: 5, cohort: { phaseBasisPoints: [10_000], currentPhase: 0, target: 'site=paris' } }))).toMatchObject({ kind: 'skipped' })
    t.emit({ type: 'updated', atMs: 5, app: 'edge-app', version: '1.2.1' })
    await new Promise(resolve => setTimeout(resolve, 100))
    expect((await t.reports()).at(-1)).toMatchObject({ deploymentId: 'dep-1', planSeq: 5, appVersion: '1.2.1' })
    await t.close()
  })

  it('reports a refused plan as FLEET_ERR_PLAN_REJECTED, at most once a while', async () => {
    const t = await setup()
    const rejection = { reason: 'signature' as const, message: 'altered', source: 'gossip' as const, from: 'peer-x', atMs: 1 }
    expect(await t.applier.reportRejection(rejection)).toBe(true)
    expect(await t.applier.reportRejection(rejection)).toBe(false)
    expect(await t.applier.reportRejection({ ...rejection, reason: 'stale', deploymentId: 'dep-1', seq: 2 })).toBe(true)
    t.advance(11 * 60_000)
    expect(await t.applier.reportRejection(rejection)).toBe(true)
    expect((await t.reports()).map(r => [r.errorCode, r.step, r.deploymentId, r.errorMessage])).toEqual([
      ['FLEET_ERR_PLAN_REJECTED', 'verify', '', 'signature: altered'],
      ['FLEET_ERR_PLAN_REJECTED', 'verify', 'dep-1', 'stale: altered'],
      ['FLEET_ERR_PLAN_REJECTED', 'verify', '', 'signature: altered']
    ])
    await t.close()
  })

  it('applies held plans that were stored but not applied (a restart in between)', async () => {
    const t = await setup()
    const { key } = await signingKey()
    const signed = await signPlan(testPlan({ seq: 6 }), key)
    t.store.put(signed, decodePlan(signed.plan))
    expect(await t.applier.reconcile()).toMatchObject([{ kind: 'applied', version: '1.2.0' }])
    expect(await t.applier.reconcile()).toEqual([])
    await t.close()
  })
})
