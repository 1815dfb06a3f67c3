import { Level } from 'level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fleets, fleetsProcess, startCoordinator } from './server-cli-support.js'
import type { RunningCoordinator } from './server-cli-support.js'
import type { AuditVerifyResult } from '../../coordinator/audit/index.js'
import type { AuditEntry } from '../../coordinator/store/index.js'

let coordinator: RunningCoordinator
let stopped = false
let auth: string[] = []

async function api (method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(coordinator.url + path, {
    method, headers: { authorization: `Bearer ${coordinator.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body ?? {})
  })
  expect(res.status, `${method} ${path}`).toBeLessThan(300)
}

beforeAll(async () => {
  coordinator = await startCoordinator()
  auth = ['--server', coordinator.url, '--token', coordinator.adminToken]
  await api('POST', '/api/v1/apps', { name: 'web', artifact: 'web:1.0.0' })
  await api('POST', '/api/v1/deployments', { id: 'dep-one', app: 'web', target: 'all', strategy: 'canary' })
  await api('POST', '/api/v1/deployments/dep-one/pause', { reason: 'looking at logs' })
  await api('POST', '/api/v1/deployments/dep-one/rollback', { reason: 'error rate 7%' })
  for (let i = 0; i < 6; i++) await api('POST', '/api/v1/devices', { id: `dev-${i}` })
})
afterAll(async () => { if (!stopped) await coordinator.stop() })

describe('fleets audit', () => {
  it('verify --server checks the fetched chain here: valid, exit 0, head printed', async () => {
    const run = await fleets(['audit', 'verify', ...auth])
    expect(run).toMatchObject({ code: 0, stderr: '' })
    // 0 admin token, 1 app, 2-4 deployment create/pause/rollback, 5-10 devices.
    expect(run.stdout).toMatch(/^audit log valid: 11 entries, head 10:[0-9a-f]{64}\n$/)
    const json = JSON.parse((await fleets(['audit', 'verify', '--json', ...auth])).stdout) as AuditVerifyResult
    expect(json).toMatchObject({ ok: true, count: 11 })
  })

  it('list shows the seed fields; --deployment filters; --from/--limit page', async () => {
    const text = await fleets(['audit', 'list', ...auth, '--deployment', 'dep-one'])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^INDEX\s+TIME\s+ACTOR\s+ACTION\s+DEPLOYMENT\s+ARTIFACT\s+SIGNED\s+SCAN\s+DETAIL\n/)
    expect(text.stdout).toMatch(/4\s+\S+Z\s+admin\s+deployment.rollback\s+dep-one\s+web@1.0.0\s+-\s+-\s+rollback: error rate 7%/)
    const json = JSON.parse((await fleets(['audit', 'list', '--json', '--from', '2', '--limit', '2', ...auth])).stdout) as AuditEntry[]
    expect(json.map(e => [e.index, e.action])).toEqual([[2, 'deployment.create'], [3, 'deployment.pause']])
    const last = JSON.parse((await fleets(['audit', 'list', '--json', '--limit', '3', ...auth])).stdout) as AuditEntry[]
    expect(last.map(e => e.index)).toEqual([8, 9, 10])
  })

  it('--db while the server holds the database exits 1 saying so', async () => {
    const run = await fleets(['audit', 'verify', '--db', coordinator.dbPath])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/is a fleets server using it\?.*\[FLEET_ERR_STORE_OPEN\]/)
  })

  it('usage errors name the flag (exit 2)', async () => {
    for (const [argv, message] of [
      [['audit', 'verify', '--db', 'x.db', '--server', coordinator.url], /either --db .* or --server\/--token/],
      [['audit', 'verify', '--db', 'x.db', '--expect-head', '12'], /--expect-head takes INDEX:HASH/],
      [['audit', 'verify', '--limit', '3', '--db', 'x.db'], /--limit is not an option of audit verify/],
      [['audit', 'list', '--limit', '0', '--db', 'x.db'], /--limit takes a whole number from 1, got '0'/],
      [['audit', 'sign'], /unknown subcommand 'sign'/]
    ] as Array<[string[], RegExp]>) {
      const run = await fleets(argv)
      expect(run.code, argv.join(' ')).toBe(2)
      expect(run.stderr, argv.join(' ')).toMatch(message)
    }
  })

  it('verify --db on the stopped server\'s database names an edited entry (exit 1), and a cut-off end with --expect-head', async () => {
    const head = (await fleets(['audit', 'verify', '--json', ...auth])).stdout
    const { headHash } = JSON.parse(head) as { headHash: string }
    await coordinator.stop()
    stopped = true
    expect(await fleets(['audit', 'verify', '--db', coordinator.dbPath])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^audit log valid: 11 entries/) as string })
    expect((await fleets(['audit', 'list', '--db', coordinator.dbPath, '--json'])).stdout).toContain('"deployment.rollback"')

    const raw = new Level<string, unknown>(coordinator.dbPath, { valueEncoding: 'json' })
    const table = raw.sublevel<string, unknown>('audit', { valueEncoding: 'json' })
    const key = (i: number): string => String(i).padStart(15, '0')
    const rollback = await table.get(key(4)) as AuditEntry
    await table.put(key(4), { ...rollback, rollbackReason: 'nothing to see here' })
    await table.del(key(10))
    await raw.close()

    const edited = await fleets(['audit', 'verify', '--db', coordinator.dbPath])
    expect(edited.code).toBe(1)
    expect(edited.stderr).toBe('fleets audit verify: audit log broken at entry 4 (hash-mismatch): entry 4 was changed after it was written: its content does not match its hash [FLEET_ERR_AUDIT_CHAIN]\n')
    const json = await fleets(['audit', 'verify', '--db', coordinator.dbPath, '--json'])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, index: 4, problem: 'hash-mismatch' })

    const fixed = new Level<string, unknown>(coordinator.dbPath, { valueEncoding: 'json' })
    await fixed.sublevel<string, unknown>('audit', { valueEncoding: 'json' }).put(key(4), rollback)
    await fixed.close()
    expect((await fleets(['audit', 'verify', '--db', coordinator.dbPath])).code).toBe(0)
    const cut = await fleetsProcess(['audit', 'verify', '--db', coordinator.dbPath, '--expect-head', `10:${headHash}`])
    expect(cut.code).toBe(1)
    expect(cut.stderr).toMatch(/broken at entry 10 \(head-mismatch\): the log ends at entry 9, but entry 10 was recorded before.*\[FLEET_ERR_AUDIT_CHAIN\]/)
  }, 60_000)
})
