/**
 * The rollout engine over a real store, registry and API (inject), with the real controller,
 * plan signing and plan decoding; gossip is a list of published bytes. Devices are presence
 * entries, their reports go through the registry like the coordinator's report receiver's.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { afterEach, describe, expect, it } from 'vitest'
import { decodePlan, decodeSignedPlan, Health } from '../../../proto/index.js'
import { testManifest } from '../../../test/plans/plan-fixtures.js'
import { silentLogger } from '../../logging/index.js'
import { signPlan } from '../../plans/index.js'
import { systemClock } from '../../ports/index.js'
import { auditLog } from '../audit/index.js'
import { deploymentSpecSchema } from '../rollout/index.js'
import { testApi } from '../server/test-support.js'
import { rolloutEngine } from './index.js'
import type { HeldManifest, RolloutEngine } from './index.js'
import type { TestApi } from '../server/test-support.js'
import type { ManifestJson } from '../../../content/manifest/index.js'
import type { Plan } from '../../../proto/index.js'

const DEVICES = ['dev-a', 'dev-b', 'dev-c']
const key = await generateKeyPair('Ed25519')

interface Setup { api: TestApi, engine: RolloutEngine, plans: Plan[], held: Map<string, HeldManifest> }
let current: Setup | undefined

async function setup (reopen?: { dbPath: string, tokens: TestApi['tokens'], held: Map<string, HeldManifest> }): Promise<Setup> {
  const held = reopen?.held ?? new Map<string, HeldManifest>()
  const plans: Plan[] = []
  const clock = systemClock()
  const late: { engine?: RolloutEngine } = {}
  const api = await testApi({
    deploymentSpecSchema,
    clock,
    engine: { onCommand: async (id, command) => await (late.engine ?? (() => { throw new Error('no engine yet') })()).onCommand(id, command) }
  }, reopen)
  const engine = late.engine = rolloutEngine({ reportDebounceMs: 10 })({
    store: api.store, audit: auditLog()({ store: api.store, clock }), clock, logger: silentLogger, fleetId: 'fleet-1',
    manifest: async (name, version) => await Promise.resolve(held.get(`${name}@${version}`)),
    sign: async plan => await signPlan(plan, key),
    publish: async bytes => { plans.push(decodePlan(decodeSignedPlan(bytes).plan)); return await Promise.resolve({ recipients: 0 }) }
  })
  await engine.start()
  if (reopen != null) {
    current = { api, engine, plans, held }
    return current
  }
  const nowMs = Date.now()
  await api.registry.applyPresence(DEVICES.map((deviceId, i) => ({
    deviceId, name: deviceId, platform: 'linux/arm64', tier: 2, agentVersion: '0.1.0', labels: { group: 'cams' }, addresses: [],
    firstSeenMs: nowMs, lastSeenMs: nowMs, announceSeq: i + 1, announced: true
  })))
  const created = await api.call('POST', '/api/v1/apps', { body: { name: 'edge-app', artifact: 'edge-app:1.0.0' } })
  expect(created.status).toBe(201)
  current = { api, engine, plans, held }
  return current
}

function hold (s: Setup, version: string, signatureOk = true): void {
  const manifest = { ...testManifest(), version } as unknown as ManifestJson
  s.held.set(`edge-app@${version}`, { manifest: { ...manifest, sha256: '07'.repeat(32), signatures: [] }, signatureOk, ...(signatureOk ? {} : { problem: 'signed by an unknown key' }) })
}

async function report (s: Setup, deviceId: string, deploymentId: string, seq: number, fields: { version: string, health: Health, step?: string, errorCode?: string }): Promise<void> {
  await s.api.registry.applyReport({
    version: 1, deviceId, deploymentId, planSeq: 1, step: fields.step ?? 'switch', appVersion: fields.version, health: fields.health,
    errorCode: fields.errorCode ?? '', errorMessage: '', metrics: new Map(), sentMs: Date.now(), seq
  })
  s.engine.reportPersisted(deploymentId)
}

async function until<T> (what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 5_000
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

async function stateOf (s: Setup, id: string): Promise<string> {
  return (await s.api.store.deployments.get(id))?.state ?? '?'
}

afterEach(async () => {
  await current?.engine.stop()
  await current?.api.close()
  current = undefined
})

describe('rollout engine', () => {
  it('refuses a deployment whose manifest it does not hold or whose signature does not check out', async () => {
    const s = await setup()
    const missing = await s.api.call('POST', '/api/v1/deployments', { body: { app: 'edge-app', version: '2.0.0', target: 'group:cams', strategy: 'all-at-once' } })
    expect(missing.status).toBe(409)
    expect(JSON.stringify(missing.body)).toContain('holds no signed manifest of edge-app@2.0.0')
    hold(s, '2.0.0', false)
    const unsigned = await s.api.call('POST', '/api/v1/deployments', { body: { app: 'edge-app', version: '2.0.0', target: 'group:cams', strategy: 'all-at-once' } })
    expect(unsigned.status).toBe(409)
    expect(JSON.stringify(unsigned.body)).toContain('not signed by a trusted release key')
    expect(s.plans).toHaveLength(0)
  })

  it('publishes a signed plan for the cohort and succeeds from persisted healthy reports only', async () => {
    const s = await setup()
    hold(s, '2.0.0')
    const { body } = await s.api.call<{ id: string }>('POST', '/api/v1/deployments', {
      body: { app: 'edge-app', version: '2.0.0', target: 'group:cams', strategy: 'all-at-once', allAtOnce: { durationMs: 50 }, minSamples: 1 }
    })
    const plan = await until('the first plan', async () => await Promise.resolve(s.plans[0]))
    expect(plan).toMatchObject({ fleetId: 'fleet-1', deploymentId: body.id, seq: 1, strategy: 'all-at-once', cohort: { target: 'group:cams', currentPhase: 0 } })
    expect(plan.manifest?.version).toBe('2.0.0')
    expect(plan.standby).toBeUndefined()
    expect(plan.rollbackTo).toBeUndefined()
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(await stateOf(s, body.id)).toBe('running') // time passed, but no device said anything
    for (const [i, id] of DEVICES.entries()) await report(s, id, body.id, i + 1, { version: '2.0.0', health: Health.HEALTHY })
    await until('succeeded', async () => (await stateOf(s, body.id)) === 'succeeded' ? true : undefined)
    const audit = (await auditLog()({ store: s.api.store, clock: systemClock() }).list()).map(e => e.action)
    expect(audit).toEqual(expect.arrayContaining(['deployment.create', 'deployment.started', 'deployment.succeeded']))
  })

  it('rolls back on a failing report with a plan that carries the previous version and its manifest', async () => {
    const s = await setup()
    hold(s, '1.0.0')
    hold(s, '2.0.0')
    const { body } = await s.api.call<{ id: string }>('POST', '/api/v1/deployments', {
      body: {
        app: 'edge-app', version: '2.0.0', rollbackTo: '1.0.0', target: 'group:cams', strategy: 'canary',
        canary: { initialPercent: 50, incrementPercent: 50, intervalMs: 60_000 }, minSamples: 1,
        triggers: [{ metric: 'error_rate', threshold: 0.1, minSamples: 1 }]
      }
    })
    await until('the first plan', async () => await Promise.resolve(s.plans[0]))
    // Every device fails (the agent reports the version it fell back to): whichever are in the 50% cohort count.
    for (const [i, id] of DEVICES.entries()) await report(s, id, body.id, i + 1, { version: '1.0.0', health: Health.UNHEALTHY, step: 'await-healthy', errorCode: 'FLEET_ERR_HEALTH_CHECK_FAILED' })
    await until('rolled back', async () => ['rolling-back', 'rolled-back'].includes(await stateOf(s, body.id)) ? true : undefined)
    const rollbackPlan = s.plans.at(-1)
    expect(rollbackPlan).toMatchObject({ seq: 2, rollbackTo: '1.0.0' })
    expect(rollbackPlan?.manifest?.version).toBe('1.0.0')
    expect((await s.api.store.deployments.get(body.id))?.rollbackReason).toMatch(/^error_rate/)
  })

  it('resumes after a restart from the persisted state: the next plan continues the sequence', async () => {
    const s = await setup()
    hold(s, '1.0.0')
    hold(s, '2.0.0')
    const { body } = await s.api.call<{ id: string }>('POST', '/api/v1/deployments', {
      body: { app: 'edge-app', version: '2.0.0', rollbackTo: '1.0.0', target: 'group:cams', strategy: 'canary', canary: { initialPercent: 34, incrementPercent: 33, intervalMs: 100 }, minSamples: 1, successPercent: 100 }
    })
    await until('the first plan', async () => await Promise.resolve(s.plans[0]))
    const dbPath = s.api.store.path
    await s.engine.stop()
    await s.api.close()
    current = undefined
    const again = await setup({ dbPath, tokens: s.api.tokens, held: s.held })
    expect(await stateOf(again, body.id)).toBe('running')
    // The restarted engine knows plan #1 went out: with every device healthy, the rollout moves on from there.
    for (const [i, id] of DEVICES.entries()) await report(again, id, body.id, i + 1, { version: '2.0.0', health: Health.HEALTHY })
    await until('succeeded after the restart', async () => (await stateOf(again, body.id)) === 'succeeded' ? true : undefined)
    expect(again.plans.length).toBeGreaterThan(0)
    expect(again.plans[0]?.seq).toBe(2)
    expect(again.plans.map(p => p.seq)).toEqual(again.plans.map((_, i) => i + 2))
  })

  it('stages blue-green first: the first plan is a standby plan', async () => {
    const s = await setup()
    hold(s, '2.0.0')
    await s.api.call('POST', '/api/v1/deployments', { body: { app: 'edge-app', version: '2.0.0', target: 'group:cams', strategy: 'blue-green', minSamples: 1 } })
    const plan = await until('the first plan', async () => await Promise.resolve(s.plans[0]))
    expect(plan.standby).toBe(true)
  })
})
