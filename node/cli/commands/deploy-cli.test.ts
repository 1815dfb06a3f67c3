import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deploymentSpecSchema } from '../../coordinator/rollout/spec.js'
import { fleets, startCoordinator } from './server-cli-support.js'
import type { RunningCoordinator } from './server-cli-support.js'
import type { DeploymentRecord, DeploymentState } from '../../coordinator/store/index.js'

let coordinator: RunningCoordinator
let viewerToken = ''
let server: string[] = []
let admin: string[] = []
let dir = ''

beforeAll(async () => {
  // The rollout controller's spec schema, as `fleets server` wires it: the flags must make specs it accepts.
  coordinator = await startCoordinator({ deploymentSpecSchema })
  server = ['--server', coordinator.url]
  admin = [...server, '--token', coordinator.adminToken]
  dir = await mkdtemp(join(tmpdir(), 'fleetd-deploy-cli-'))
  const res = await fetch(`${coordinator.url}/api/v1/tokens`, {
    method: 'POST', headers: { authorization: `Bearer ${coordinator.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'viewer', role: 'viewer' })
  })
  viewerToken = (await res.json() as { token: string }).token
  const app = await fleets(['app', 'create', '--name', 'edge-app', '--artifact', 'edge-app:2.0.0', ...admin])
  expect(app.code).toBe(0)
})
afterAll(async () => { await coordinator.stop() })

async function create (argv: string[]): Promise<DeploymentRecord> {
  const run = await fleets(['deploy', 'create', '--app', 'edge-app', '--json', ...argv, ...admin])
  expect(run.stderr, argv.join(' ')).toBe('')
  expect(run.code).toBe(0)
  return JSON.parse(run.stdout) as DeploymentRecord
}

/** What the rollout engine would do: move the deployment on, as a device report and a status change. */
async function advance (id: string, state: DeploymentState, phase: number): Promise<void> {
  const current = await coordinator.store.deployments.get(id)
  if (current == null) throw new Error(`no deployment ${id}`)
  await coordinator.store.deployments.put(id, { ...current, state, phase, updatedMs: Date.now() })
}

describe('fleets deploy against a real coordinator on 127.0.0.1', () => {
  it('creates a deployment of each strategy; text output is the id alone', async () => {
    const text = await fleets(['deploy', 'create', '--app', 'edge-app', '--target', 'group:berlin', '--strategy', 'canary',
      '--initial', '5%', '--increment', '15%', '--interval', '10m', '--rollback-on-error', '5%', '--promote-deadline', '2h', ...admin])
    expect(text).toMatchObject({ code: 0, stderr: '' })
    expect(text.stdout).toMatch(/^dep-[0-9a-z]+-[a-z2-7]{4}\n$/)
    const canary = await coordinator.store.deployments.get(text.stdout.trim())
    expect(canary).toMatchObject({ strategy: 'canary', artifact: { version: '2.0.0' }, spec: { canary: { initialPercent: 5, incrementPercent: 15, intervalMs: 600_000 }, triggers: [{ metric: 'error_rate', threshold: 0.05 }] } })
    expect(canary?.spec.promoteDeadlineMs).toBeGreaterThan(Date.now() + 7_000_000)

    const phasesFile = join(dir, 'phases.json')
    await writeFile(phasesFile, JSON.stringify([{ percentage: '10%', duration: '30m', validation: 'manual' }, { percentage: '100%', duration: '1h' }]))
    const phased = await create(['--target', 'site=berlin,ring!=0', '--strategy', 'canary', '--phases', phasesFile, '--trigger', 'metric=crash_loop,threshold=0.1,action=gradual,min-samples=10'])
    expect(phased.spec).toMatchObject({ phases: [{ percent: 10, durationMs: 1_800_000, validation: 'manual' }, { percent: 100 }], triggers: [{ metric: 'crash_loop', action: 'gradual', minSamples: 10 }] })
    const rolling = await create(['--target', 'all', '--strategy', 'rolling', '--batch-size', '20%', '--max-unavailable', '10%', '--version', '2.0.0', '--id', 'roll-1'])
    expect(rolling).toMatchObject({ id: 'roll-1', strategy: 'rolling', spec: { rolling: { batchPercent: 20, maxUnavailablePercent: 10, batchDurationMs: 60_000 } } })
    const blueGreen = await create(['--target', 'ids:dev-a,dev-b', '--strategy', 'blue-green', '--stage-duration', '5m', '--validation', 'manual'])
    expect(blueGreen.spec).toMatchObject({ blueGreen: { stageDurationMs: 300_000, validation: 'manual', stagedPercent: 100 } })
    const allAtOnce = await create(['--target', 'group:lab', '--strategy', 'all-at-once', '--duration', '15m', '--circuit-breaker', 'failures=3,window=5m'])
    expect(allAtOnce.spec).toMatchObject({ allAtOnce: { durationMs: 900_000 }, circuitBreaker: { failuresMax: 3, windowMs: 300_000 } })
  })

  it('lists with filters and shows status, strategy and report counts', async () => {
    const listed = await fleets(['deploy', 'list', ...server, '--token', viewerToken])
    expect(listed.code).toBe(0)
    expect(listed.stdout).toMatch(/^ID\s+APP\s+VERSION\s+STRATEGY\s+TARGET\s+STATE\s+PHASE\s+CREATED\n/)
    expect(listed.stdout).toMatch(/roll-1\s+edge-app\s+2\.0\.0\s+rolling\s+all\s+pending\s+0\s+\d+s ago/)
    expect(listed.stdout).toMatch(/5 deployments\n$/)
    const filtered = await fleets(['deploy', 'list', '--app', 'edge-app', '--state', 'running', '--json', ...server, '--token', viewerToken])
    expect(JSON.parse(filtered.stdout)).toEqual([])

    const now = Date.now()
    for (const [device, step, health, version] of [['dev-a', 'running', 'healthy', '2.0.0'], ['dev-b', 'download', 'unknown', '1.9.0']] as const) {
      await coordinator.store.reports.record({ deploymentId: 'roll-1', deviceId: device, planSeq: 1, step, appVersion: version, health, metrics: {}, sentMs: now, seq: 1, receivedMs: now })
    }
    const shown = await fleets(['deploy', 'show', 'roll-1', ...server, '--token', viewerToken])
    expect(shown.code).toBe(0)
    expect(shown.stdout).toMatch(/^id\s+roll-1\napp\s+edge-app\nversion\s+edge-app:2\.0\.0\ntarget\s+all\nstrategy\s+rolling: batches of 20%, at most 10% unavailable, 1m each\nstate\s+pending\nphase\s+0\n/)
    expect(shown.stdout).toMatch(/devices\s+2 reporting, 0 with errors\n {2}step\s+download 1, running 1\n {2}health\s+healthy 1, unknown 1\n {2}version\s+1\.9\.0 1, 2\.0\.0 1\n/)
    expect(shown.stdout).toMatch(/events\n\s+\d+s ago\s+create\s+by admin: accepted → pending/)
    const json = await fleets(['deploy', 'show', 'roll-1', '--json', ...server, '--token', viewerToken])
    expect(JSON.parse(json.stdout)).toMatchObject({ deployment: { id: 'roll-1' }, counts: { devices: 2, byStep: { running: 1, download: 1 } } })
    const missing = await fleets(['deploy', 'show', 'nope', ...admin])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/no deployment nope.*\[FLEET_ERR_API_NOT_FOUND\]/)
  })

  it('promote, pause, resume and rollback round trip; each is recorded with its reason', async () => {
    for (const kind of ['promote', 'pause', 'resume', 'rollback']) {
      const run = await fleets(['deploy', kind, 'roll-1', '--reason', `${kind} for the test`, ...admin])
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(new RegExp(`^roll-1: ${kind} accepted; pending, phase 0 \\(recorded; no rollout controller`))
    }
    const json = await fleets(['deploy', 'pause', 'roll-1', '--json', ...admin])
    expect(JSON.parse(json.stdout)).toMatchObject({ deployment: { id: 'roll-1' }, result: { accepted: true } })
    const shown = await fleets(['deploy', 'show', 'roll-1', '--json', ...admin])
    const { deployment } = JSON.parse(shown.stdout) as { deployment: DeploymentRecord }
    expect(deployment.events.map(e => e.command)).toEqual(['create', 'promote', 'pause', 'resume', 'rollback', 'pause'])
    expect(deployment.rollbackReason).toBe('rollback for the test')
    const viewer = await fleets(['deploy', 'promote', 'roll-1', ...server, '--token', viewerToken])
    expect(viewer.code).toBe(1)
    expect(viewer.stderr).toContain('[FLEET_ERR_API_FORBIDDEN]')
  })

  it('watch prints a line per change and exits 0 at succeeded, 1 at rolled-back (--until-done)', async () => {
    const id = (await create(['--target', 'all', '--strategy', 'all-at-once'])).id
    const watching = fleets(['deploy', 'watch', id, '--interval', '100ms', '--until-done', ...admin])
    await new Promise(resolve => setTimeout(resolve, 300))
    await advance(id, 'running', 0)
    await new Promise(resolve => setTimeout(resolve, 300))
    await advance(id, 'succeeded', 1)
    const done = await watching
    expect(done.stderr).toBe('')
    expect(done.code).toBe(0)
    const lines = done.stdout.trim().split('\n')
    // One line per change seen: a loaded machine may poll too late to see 'running', never a line twice.
    const seen = lines.map(l => l.split(/\s+/).slice(1, 4).join(' '))
    expect(seen[0]).toBe('pending phase 0')
    expect(seen.at(-1)).toBe('succeeded phase 1')
    expect(seen.filter(s => s !== 'running phase 0')).toEqual(['pending phase 0', 'succeeded phase 1'])
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d {2}pending {2}phase 0 {2}devices 0 \(errors 0\) {2}step: - {2}health: - {2}version: -$/)

    const failing = (await create(['--target', 'all', '--strategy', 'all-at-once'])).id
    await advance(failing, 'rolled-back', 0)
    const rolledBack = await fleets(['deploy', 'watch', failing, '--until-done', '--json', ...admin])
    expect(rolledBack.code).toBe(1)
    expect(JSON.parse(rolledBack.stdout)).toMatchObject({ id: failing, state: 'rolled-back', counts: { devices: 0 } })

    const stuck = await fleets(['deploy', 'watch', 'roll-1', '--interval', '100ms', '--until-done', '--timeout', '300ms', ...admin])
    expect(stuck.code).toBe(1)
    expect(stuck.stderr).toMatch(/deployment roll-1 is pending after --timeout.*\[FLEET_ERR_DEPLOY_WATCH_TIMEOUT\]/)
  })

  it('the coordinator checks what only it knows: an unknown app, a viewer creating (403)', async () => {
    const unknownApp = await fleets(['deploy', 'create', '--app', 'ghost', '--target', 'all', '--strategy', 'all-at-once', ...admin])
    expect(unknownApp.code).toBe(1)
    expect(unknownApp.stderr).toMatch(/no app named ghost; create it first.*\[FLEET_ERR_API_INVALID\]/)
    const sameVersion = await fleets(['deploy', 'create', '--app', 'edge-app', '--target', 'all', '--strategy', 'all-at-once', '--rollback-to', '2.0.0', ...admin])
    expect(sameVersion.code).toBe(1)
    expect(sameVersion.stderr).toMatch(/rollbackTo: is the version being deployed.*\[FLEET_ERR_API_INVALID\]/)
    const viewer = await fleets(['deploy', 'create', '--app', 'edge-app', '--target', 'all', '--strategy', 'all-at-once', ...server, '--token', viewerToken])
    expect(viewer.code).toBe(1)
    expect(viewer.stderr).toMatch(/role viewer; POST \/api\/v1\/deployments needs operator.*\[FLEET_ERR_API_FORBIDDEN\]/)
  })

  it('wrong flags and values are usage errors naming the flag (exit 2)', async () => {
    const t = ['--token', 't']
    const create = ['deploy', 'create', '--app', 'edge-app', '--target', 'all']
    const cases: Array<[string[], RegExp]> = [
      [[...create, '--strategy', 'big-bang', ...t], /--strategy takes canary, rolling, blue-green, all-at-once, got 'big-bang'/],
      [[...create, '--strategy', 'canary', '--initial', '5', '--increment', '15%', '--interval', '10m', ...t], /--initial takes a percentage like 5% or 12.5%, got '5'/],
      [[...create, '--strategy', 'canary', '--initial', '120%', '--increment', '15%', '--interval', '10m', ...t], /--initial must be from 0.01% to 100%, got '120%'/],
      [[...create, '--strategy', 'canary', '--initial', '5%', '--increment', '15%', '--interval', 'soon', ...t], /--interval takes a duration like 30s, 10m, 2h or 1h30m, got 'soon'/],
      [[...create, '--strategy', 'canary', '--phases', join(tmpdir(), 'no-such-phases.json'), ...t], /--phases .*no-such-phases.json: cannot read it \(ENOENT\)/],
      [[...create, '--strategy', 'rolling', '--batch-size', '10', ...t], /--batch-size takes a percentage of the targeted devices like 10%/],
      [[...create, '--strategy', 'all-at-once', '--initial', '5%', ...t], /--initial is an option of --strategy canary, not all-at-once/],
      [[...create, '--strategy', 'all-at-once', '--trigger', 'metric=error_rate,threshold=5', ...t], /error_rate is a fraction from 0 to 1/],
      [['deploy', 'create', '--target', 'all', '--strategy', 'all-at-once', ...t], /missing --app NAME/],
      [['deploy', 'create', '--app', 'a', '--strategy', 'all-at-once', '--target', 'group:', ...t], /--target /],
      [['deploy', 'list', '--state', 'done', ...t], /--state takes pending, running, .* got 'done'/],
      [['deploy', 'list', '--reason', 'x', ...t], /--reason is not an option of deploy list/],
      [['deploy', 'show', ...t], /missing the deployment ID/],
      [['deploy', 'watch', 'x', '--interval', '10ms', ...t], /--interval must be at least 100ms/],
      [['deploy', 'promote', 'x', '--strategy', 'canary', ...t], /--strategy is not an option of deploy promote/],
      [['deploy', 'ship'], /unknown subcommand 'ship'/]
    ]
    for (const [argv, message] of cases) {
      const run = await fleets(argv)
      expect(run.code, argv.join(' ')).toBe(2)
      expect(run.stderr, argv.join(' ')).toMatch(message)
    }
  })
})
