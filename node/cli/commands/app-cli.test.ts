import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fleets, startCoordinator } from './server-cli-support.js'
import type { RunningCoordinator } from './server-cli-support.js'
import type { AppRecord } from '../../coordinator/store/index.js'

let coordinator: RunningCoordinator
let viewerToken = ''
let server: string[] = []
let admin: string[] = []

beforeAll(async () => {
  coordinator = await startCoordinator()
  server = ['--server', coordinator.url]
  admin = [...server, '--token', coordinator.adminToken]
  const res = await fetch(`${coordinator.url}/api/v1/tokens`, {
    method: 'POST', headers: { authorization: `Bearer ${coordinator.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'viewer', role: 'viewer' })
  })
  viewerToken = (await res.json() as { token: string }).token
})
afterAll(async () => { await coordinator.stop() })

describe('fleets app against a real coordinator on 127.0.0.1', () => {
  it('creates an app with every option, then lists and shows it', async () => {
    const created = await fleets(['app', 'create', '--name', 'edge-app', '--artifact', 'edge-app:1.4.2', '--runtime', 'docker',
      '--health-check', 'http://localhost:8080/health', '--memory', '256Mi', '--cpu', '500m', '--env', 'MODE=prod', '--env', 'LEVEL=2',
      '--arg=--port', '--arg', '8080', '--restart', 'always', '--json', ...admin])
    expect(created.stderr).toBe('')
    expect(created.code).toBe(0)
    expect(JSON.parse(created.stdout)).toMatchObject({
      name: 'edge-app', artifact: { name: 'edge-app', version: '1.4.2' }, runtime: 'docker', args: ['--port', '8080'],
      env: { MODE: 'prod', LEVEL: '2' }, limits: { memory: '256Mi', cpu: '500m' }, healthCheck: { kind: 'http', port: 8080, path: '/health' },
      restartPolicy: 'always', createdBy: 'admin'
    })
    const exec = await fleets(['app', 'create', '--name', 'sensor', '--artifact', 'sensor@0.3.0', '--health-exec', "/opt/sensor/check --quick 'a b'", ...admin])
    expect(exec.code).toBe(0)
    expect(exec.stdout).toMatch(/^name\s+sensor\nartifact\s+sensor:0\.3\.0\nruntime\s+process\n/)
    expect(exec.stdout).toMatch(/health\s+exec \/opt\/sensor\/check --quick "a b"\nrestart\s+on-failure\n/)

    const listed = await fleets(['app', 'list', ...server, '--token', viewerToken])
    expect(listed.code).toBe(0)
    expect(listed.stdout).toMatch(/^NAME\s+ARTIFACT\s+RUNTIME\s+HEALTH CHECK\s+RESTART\s+LIMITS\s+CREATED\n/)
    expect(listed.stdout).toMatch(/edge-app\s+edge-app:1\.4\.2\s+docker\s+http:\/\/localhost:8080\/health\s+always\s+memory 256Mi, cpu 500m\s+\d+s ago/)
    expect(listed.stdout).toMatch(/2 apps\n$/)
    const json = await fleets(['app', 'list', '--json', ...server, '--token', viewerToken])
    expect((JSON.parse(json.stdout) as AppRecord[]).map(a => a.name).sort()).toEqual(['edge-app', 'sensor'])
    const shown = await fleets(['app', 'show', 'edge-app', ...server, '--token', viewerToken])
    expect(shown.stdout).toMatch(/env\s+MODE=prod LEVEL=2\nlimits\s+memory 256Mi, cpu 500m\nhealth\s+http:\/\/localhost:8080\/health\n/)
  })

  it('keeps the server code: an existing name (409), an unknown app (404), a viewer creating (403)', async () => {
    const again = await fleets(['app', 'create', '--name', 'edge-app', '--artifact', 'edge-app:2.0.0', ...admin])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/an app named edge-app exists already.*\[FLEET_ERR_API_CONFLICT\]/)
    const missing = await fleets(['app', 'show', 'nope', ...admin])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('[FLEET_ERR_API_NOT_FOUND]')
    const forbidden = await fleets(['app', 'create', '--name', 'other', '--artifact', 'other:1.0.0', ...server, '--token', viewerToken])
    expect(forbidden.code).toBe(1)
    expect(forbidden.stderr).toMatch(/role viewer; POST \/api\/v1\/apps needs operator.*\[FLEET_ERR_API_FORBIDDEN\]/)
  })

  it('wrong flags and values are usage errors naming the flag (exit 2)', async () => {
    const t = ['--token', 't']
    const cases: Array<[string[], RegExp]> = [
      [['app', 'create', '--artifact', 'a:1.0.0', ...t], /missing --name N/],
      [['app', 'create', '--name', 'a', ...t], /missing --artifact NAME:VERSION/],
      [['app', 'create', '--name', 'a', '--artifact', 'a', ...t], /--artifact expected NAME:VERSION like web:1.4.2/],
      [['app', 'create', '--name', 'a', '--artifact', 'a:1', '--runtime', 'vm', ...t], /--runtime takes process, systemd, docker, mcu-firmware, got 'vm'/],
      [['app', 'create', '--name', 'a', '--artifact', 'a:1', '--restart', 'sometimes', ...t], /--restart takes always, on-failure, never, got 'sometimes'/],
      [['app', 'create', '--name', 'a', '--artifact', 'a:1', '--health-check', 'http://example.com:80/', ...t], /--health-check the host must be localhost/],
      [['app', 'create', '--name', 'a', '--artifact', 'a:1', '--health-check', 'tcp://localhost:1', '--health-exec', 'x', ...t], /either --health-check URL or --health-exec CMD/],
      [['app', 'create', '--name', 'a', '--artifact', 'a:1', '--memory', 'lots', ...t], /--memory: /],
      [['app', 'create', '--name', 'a', '--artifact', 'a:1', '--env', 'NOVALUE', ...t], /--env takes key=value, got 'NOVALUE'/],
      [['app', 'list', '--runtime', 'docker', ...t], /--runtime is not an option of app list/],
      [['app', 'show', ...t], /missing the app NAME/],
      [['app', 'set', 'a'], /unknown subcommand 'set'; the app command has: create, list, show/]
    ]
    for (const [argv, message] of cases) {
      const run = await fleets(argv)
      expect(run.code, argv.join(' ')).toBe(2)
      expect(run.stderr, argv.join(' ')).toMatch(message)
    }
  })
})
