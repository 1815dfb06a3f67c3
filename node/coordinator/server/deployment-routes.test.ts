import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Health, WIRE_VERSION } from '../../../proto/index.js'
import { issuePaths, testApi } from './test-support.js'
import type { DeploymentCommand, DeploymentEngine } from './index.js'
import type { TestApi } from './test-support.js'
import type { AuditEntry, DeploymentRecord, ReportCounts, ReportRecord } from '../store/index.js'

interface CommandAnswer { deployment: DeploymentRecord, result: { accepted: boolean, state?: string, reason?: string } }

/** An engine that follows the state machine for the commands this test sends, and remembers them. */
function scriptedEngine (): DeploymentEngine & { commands: Array<[string, DeploymentCommand]> } {
  const commands: Array<[string, DeploymentCommand]> = []
  return {
    commands,
    async onCommand (id, command) {
      commands.push([id, command])
      switch (command.kind) {
        case 'create': return await Promise.resolve({ accepted: true, state: 'running' as const, audit: { signatureVerified: true, scanResult: 'clean' } })
        case 'pause': return { accepted: true, state: 'paused' as const }
        case 'resume': return { accepted: true, state: 'running' as const }
        case 'promote': return { accepted: false, reason: 'the deployment is running, not awaiting approval' }
        case 'rollback': return { accepted: true, state: 'rolling-back' as const, audit: { rollbackReason: `operator: ${command.reason ?? 'none'}` } }
      }
    }
  }
}

const engine = scriptedEngine()
let api: TestApi
let recorded: TestApi
beforeAll(async () => {
  api = await testApi({ engine })
  recorded = await testApi()
  for (const t of [api, recorded]) {
    await t.call('POST', '/api/v1/apps', { body: { name: 'web', artifact: 'web:1.4.2' } })
  }
})
afterAll(async () => {
  await api.close()
  await recorded.close()
})

describe('deployment routes', () => {
  it('401 without a token, 403 for a viewer creating or commanding', async () => {
    expect((await api.call('GET', '/api/v1/deployments', { token: null })).status).toBe(401)
    expect((await api.call('POST', '/api/v1/deployments', { token: api.tokens.viewer, body: { app: 'web', target: 'all', strategy: 'canary' } })).status).toBe(403)
    expect((await api.call('POST', '/api/v1/deployments/dep-x/rollback', { token: api.tokens.viewer })).status).toBe(403)
  })

  it('creates a deployment (operator): id and version filled in, handed to the engine, audited with its fields', async () => {
    const res = await api.call<DeploymentRecord>('POST', '/api/v1/deployments', {
      token: api.tokens.operator,
      body: { app: 'web', target: 'group:edge', strategy: 'canary', canary: { initialPercent: 5, incrementPercent: 15, intervalMs: 600_000 } }
    })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      app: 'web', artifact: { name: 'web', version: '1.4.2' }, target: 'group:edge', strategy: 'canary', state: 'running', createdBy: 'operator',
      spec: { canary: { initialPercent: 5, incrementPercent: 15, intervalMs: 600_000 }, version: '1.4.2' },
      events: [{ command: 'create', accepted: true, state: 'running', actor: 'operator' }]
    })
    expect(res.body.id).toMatch(/^dep-[0-9a-z]+-[a-z2-7]{4}$/)
    expect(engine.commands.at(-1)).toEqual([res.body.id, { kind: 'create', actor: 'operator', atMs: api.clock.nowMs() }])
    const audit = await api.call<{ entries: AuditEntry[] }>('GET', `/api/v1/audit?deployment=${res.body.id}`)
    expect(audit.body.entries).toEqual([expect.objectContaining({
      action: 'deployment.create', actor: 'operator', deploymentId: res.body.id, artifactVersion: 'web@1.4.2', signatureVerified: true, scanResult: 'clean',
      detail: { accepted: true, state: 'running', app: 'web', target: 'group:edge', strategy: 'canary' }
    })])
  })

  it('names wrong fields, refuses an unknown app and a duplicate id', async () => {
    const bad = await api.call('POST', '/api/v1/deployments', { token: api.tokens.operator, body: { app: 'web', target: 'site=', strategy: 'yolo', colour: 'red' } })
    expect(bad.status).toBe(400)
    expect(issuePaths(bad.body)).toEqual(['body.strategy', 'body.colour'])
    const badTarget = await api.call('POST', '/api/v1/deployments', { token: api.tokens.operator, body: { app: 'web', target: 'site', strategy: 'canary' } })
    expect(badTarget.body.issues).toEqual([{ path: 'body.target', message: expect.stringMatching(/'site' is not a label requirement/) as string }])
    const noApp = await api.call('POST', '/api/v1/deployments', { token: api.tokens.operator, body: { app: 'nope', target: 'all', strategy: 'canary' } })
    expect(noApp).toMatchObject({ status: 400, body: { issues: [{ path: 'body.app' }] } })
    const body = { id: 'dep-fixed', app: 'web', target: 'ids:a,b', strategy: 'all-at-once' }
    expect((await api.call('POST', '/api/v1/deployments', { token: api.tokens.operator, body })).status).toBe(201)
    expect(await api.call('POST', '/api/v1/deployments', { token: api.tokens.operator, body })).toMatchObject({ status: 409, body: { code: 'FLEET_ERR_API_CONFLICT' } })
  })

  it('pause, resume and rollback record the command, the new state and the rollback reason', async () => {
    const paused = await api.call<CommandAnswer>('POST', '/api/v1/deployments/dep-fixed/pause', { token: api.tokens.operator })
    expect(paused).toMatchObject({ status: 200, body: { deployment: { state: 'paused' }, result: { accepted: true, state: 'paused' } } })
    expect((await api.call<CommandAnswer>('POST', '/api/v1/deployments/dep-fixed/resume', { token: api.tokens.operator, body: {} })).body.deployment.state).toBe('running')
    const rollback = await api.call<CommandAnswer>('POST', '/api/v1/deployments/dep-fixed/rollback', { token: api.tokens.operator, body: { reason: 'error rate on the canaries' } })
    expect(rollback.body.deployment).toMatchObject({ state: 'rolling-back', rollbackReason: 'operator: error rate on the canaries' })
    expect(rollback.body.deployment.events.map(e => `${e.command}:${e.state}`)).toEqual(['create:running', 'pause:paused', 'resume:running', 'rollback:rolling-back'])
    const audit = await api.call<{ entries: AuditEntry[] }>('GET', '/api/v1/audit?deployment=dep-fixed')
    expect(audit.body.entries.map(e => e.action)).toEqual(['deployment.create', 'deployment.pause', 'deployment.resume', 'deployment.rollback'])
    expect(audit.body.entries.at(-1)).toMatchObject({ actor: 'operator', rollbackReason: 'operator: error rate on the canaries', artifactVersion: 'web@1.4.2', detail: { reason: 'error rate on the canaries' } })
  })

  it('answers 409 with the engine\'s reason when it refuses, and audits the refusal', async () => {
    const refused = await api.call('POST', '/api/v1/deployments/dep-fixed/promote', { token: api.tokens.operator })
    expect(refused).toMatchObject({ status: 409, body: { code: 'FLEET_ERR_API_CONFLICT', error: expect.stringMatching(/promote of deployment dep-fixed \(rolling-back\) was refused: the deployment is running, not awaiting approval/) as string } })
    const audit = await api.call<{ entries: AuditEntry[] }>('GET', '/api/v1/audit?deployment=dep-fixed')
    expect(audit.body.entries.at(-1)).toMatchObject({ action: 'deployment.promote', detail: { accepted: false } })
    expect((await api.call('POST', '/api/v1/deployments/nope/pause', { token: api.tokens.operator })).status).toBe(404)
    expect(issuePaths((await api.call('POST', '/api/v1/deployments/dep-fixed/pause', { token: api.tokens.operator, body: { reason: '' } })).body)).toEqual(['body.reason'])
  })

  it('with the default engine, commands are recorded and change nothing', async () => {
    const created = await recorded.call<DeploymentRecord>('POST', '/api/v1/deployments', { body: { app: 'web', version: '1.5.0', target: 'all', strategy: 'rolling' } })
    expect(created.body).toMatchObject({ state: 'pending', artifact: { version: '1.5.0' } })
    const promoted = await recorded.call<CommandAnswer>('POST', `/api/v1/deployments/${created.body.id}/promote`)
    expect(promoted.body).toMatchObject({ deployment: { state: 'pending', events: [{ command: 'create' }, { command: 'promote', accepted: true }] }, result: { accepted: true, reason: expect.stringMatching(/recorded/) as string } })
  })

  it('lists newest first with filters, shows one with report counts, lists its reports', async () => {
    api.clock.advance(1000)
    const newer = await api.call<DeploymentRecord>('POST', '/api/v1/deployments', { token: api.tokens.operator, body: { app: 'web', target: 'all', strategy: 'blue-green' } })
    const list = await api.call<{ deployments: DeploymentRecord[] }>('GET', '/api/v1/deployments', { token: api.tokens.viewer })
    expect(list.body.deployments[0]?.id).toBe(newer.body.id)
    expect(list.body.deployments).toHaveLength(3)
    expect((await api.call<{ deployments: DeploymentRecord[] }>('GET', '/api/v1/deployments?state=rolling-back&limit=5')).body.deployments.map(d => d.id)).toEqual(['dep-fixed'])
    const report = (deviceId: string, health: Health) => ({
      version: WIRE_VERSION, deviceId, deploymentId: 'dep-fixed', planSeq: 1, step: 'health-check', appVersion: '1.4.2', health,
      errorCode: health === Health.UNHEALTHY ? 'FLEET_ERR_HEALTH_CHECK_FAILED' : '', errorMessage: '', metrics: new Map<string, number>(), sentMs: 1, seq: 1
    })
    for (const [id, health] of [['d1', Health.HEALTHY], ['d2', Health.UNHEALTHY], ['d3', Health.HEALTHY]] as const) await api.registry.applyReport(report(id, health))
    const shown = await api.call<{ deployment: DeploymentRecord, counts: ReportCounts }>('GET', '/api/v1/deployments/dep-fixed', { token: api.tokens.viewer })
    expect(shown.body.counts).toEqual({ devices: 3, errors: 1, byStep: { 'health-check': 3 }, byHealth: { healthy: 2, unhealthy: 1 }, byVersion: { '1.4.2': 3 } })
    const page = await api.call<{ reports: ReportRecord[], next?: string }>('GET', '/api/v1/deployments/dep-fixed/reports?limit=2', { token: api.tokens.viewer })
    expect(page.body.reports.map(r => r.deviceId)).toEqual(['d1', 'd2'])
    expect(page.body.next).toBe('d2')
    const rest = await api.call<{ reports: ReportRecord[], next?: string }>('GET', '/api/v1/deployments/dep-fixed/reports?after=d2')
    expect(rest.body).toEqual({ reports: [expect.objectContaining({ deviceId: 'd3' })] })
    expect((await api.call('GET', '/api/v1/deployments/nope/reports')).status).toBe(404)
  })
})
