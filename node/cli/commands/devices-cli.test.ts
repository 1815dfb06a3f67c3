import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fleets, fleetsProcess, startCoordinator } from './server-cli-support.js'
import type { RunningCoordinator } from './server-cli-support.js'
import type { DeviceView } from '../../coordinator/registry/index.js'

let coordinator: RunningCoordinator
let viewerToken = ''
let server: string[] = []

beforeAll(async () => {
  coordinator = await startCoordinator()
  server = ['--server', coordinator.url]
  const now = Date.now()
  await coordinator.registry.applyPresence([
    { deviceId: '12D3KooWnodeA', name: 'gateway-a', platform: 'linux/arm64', tier: 1, agentVersion: '0.1.0', labels: { site: 'berlin' }, addresses: [], firstSeenMs: now, lastSeenMs: now, announceSeq: 1, announced: true },
    { deviceId: '12D3KooWnodeB', name: 'old-box', platform: 'linux/amd64', tier: 2, agentVersion: '0.1.0', labels: {}, addresses: [], firstSeenMs: now - 3_600_000, lastSeenMs: now - 3_600_000, announceSeq: 1, announced: true }
  ])
  const res = await fetch(`${coordinator.url}/api/v1/tokens`, {
    method: 'POST', headers: { authorization: `Bearer ${coordinator.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'viewer', role: 'viewer' })
  })
  viewerToken = (await res.json() as { token: string }).token
})
afterAll(async () => { await coordinator.stop() })

describe('fleets devices against a real coordinator on 127.0.0.1', () => {
  it('lists devices with status and last seen (text and --json), token from FLEETD_TOKEN', async () => {
    const text = await fleets(['devices', 'list', ...server], { FLEETD_TOKEN: viewerToken })
    expect(text).toMatchObject({ code: 0, stderr: '' })
    expect(text.stdout).toMatch(/^ID\s+NAME\s+STATUS\s+LAST SEEN\s+PLATFORM\s+TIER\s+APPS\s+LABELS\s+GROUPS\n/)
    expect(text.stdout).toMatch(/12D3KooWnodeA\s+gateway-a\s+online\s+\d+s ago\s+linux\/arm64\s+1\s+-\s+site=berlin\s+-/)
    expect(text.stdout).toMatch(/12D3KooWnodeB\s+old-box\s+offline\s+1h ago/)
    expect(text.stdout).toMatch(/2 devices, 1 online\n$/)
    const json = await fleets(['devices', 'list', '--status', 'online', '--json', ...server, '--token', viewerToken])
    expect((JSON.parse(json.stdout) as DeviceView[]).map(d => d.id)).toEqual(['12D3KooWnodeA'])
    const filtered = await fleets(['devices', 'list', '--label', 'site=paris', ...server, '--token', viewerToken])
    expect(filtered.stdout).toMatch(/^no devices match/)
  })

  it('shows one device; an unknown one exits 1 with the server code', async () => {
    const shown = await fleets(['devices', 'show', '12D3KooWnodeA', ...server, '--token', viewerToken])
    expect(shown.code).toBe(0)
    expect(shown.stdout).toMatch(/^id\s+12D3KooWnodeA\nname\s+gateway-a\nstatus\s+online \(last seen \d+s ago\)/)
    const missing = await fleets(['devices', 'show', 'nope', ...server, '--token', viewerToken])
    expect(missing).toMatchObject({ code: 1, stdout: '' })
    expect(missing.stderr).toMatch(/^fleets devices: no device nope is known; GET \/api\/v1\/devices lists them.* \[FLEET_ERR_API_NOT_FOUND\]\n$/)
  })

  it('registers and labels devices with an admin token; a viewer gets 403 (exit 1)', async () => {
    const registered = await fleets(['devices', 'register', 'esp32-kitchen', '--name', 'kitchen', '--tier', '3', '--parent', '12D3KooWnodeA',
      '--label', 'room=kitchen', '--group', 'sensors', '--json', ...server, '--token', coordinator.adminToken])
    expect(registered.code).toBe(0)
    expect(JSON.parse(registered.stdout)).toMatchObject({ id: 'esp32-kitchen', tier: 3, parent: '12D3KooWnodeA', labels: { room: 'kitchen' }, groups: ['sensors'], status: 'offline' })
    const again = await fleets(['devices', 'register', 'esp32-kitchen', ...server, '--token', coordinator.adminToken])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('[FLEET_ERR_API_CONFLICT]')
    const labelled = await fleets(['devices', 'label', '12D3KooWnodeA', 'ring=0', 'site-', '--group', 'canary', ...server, '--token', coordinator.adminToken])
    expect(labelled.code).toBe(0)
    expect(labelled.stdout).toMatch(/labels\s+site=berlin,ring=0\ngroups\s+canary\n/)
    const forbidden = await fleets(['devices', 'label', '12D3KooWnodeA', 'ring=1', ...server, '--token', viewerToken])
    expect(forbidden.code).toBe(1)
    expect(forbidden.stderr).toMatch(/the token 'viewer' has role viewer; POST \/api\/v1\/devices\/:id\/labels needs admin; .* \[FLEET_ERR_API_FORBIDDEN\]/)
  })

  it('wrong flags and values are usage errors naming the flag (exit 2)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['devices', 'list', '--colour', 'red'], /Unknown option '--colour'/],
      [['devices', 'list', '--status', 'asleep', '--token', 't'], /--status takes online or offline, got 'asleep'/],
      [['devices', 'register', 'x', '--tier', '7', '--token', 't'], /--tier is 1 \(full OS\).*got '7'/],
      [['devices', 'show', '--token', 't'], /missing the device ID/],
      [['devices', 'show', 'x', '--name', 'n', '--token', 't'], /--name is not an option of devices show/],
      [['devices', 'label', 'x', 'novalue', '--token', 't'], /--label takes key=value, got 'novalue'/],
      [['devices', 'list', '--server', 'ftp://h', '--token', 't'], /--server must be an http:\/\/ or https:\/\/ URL/],
      [['devices', 'list', ...server], /no API token: pass --token T or set FLEETD_TOKEN/],
      [['devices', 'fly'], /unknown subcommand 'fly'/]
    ]
    for (const [argv, message] of cases) {
      const run = await fleets(argv)
      expect(run.code, argv.join(' ')).toBe(2)
      expect(run.stderr, argv.join(' ')).toMatch(message)
    }
  })

  it('a wrong token exits 1 with 401 code; an unreachable server exits 1 with its own code', async () => {
    const wrong = await fleets(['devices', 'list', ...server, '--token', 'fleetd_wrong'])
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain('[FLEET_ERR_API_UNAUTHORIZED]')
    const closed = await startCoordinator()
    const url = closed.url
    await closed.stop()
    const unreachable = await fleets(['devices', 'list', '--server', url, '--token', 't'])
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toMatch(/cannot reach the coordinator at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\).*\[FLEET_ERR_API_UNREACHABLE\]/)
  })

  it('the real fleets binary: list over HTTP (exit 0) and a usage error (exit 2)', async () => {
    const listed = await fleetsProcess(['devices', 'list', '--json', ...server], { FLEETD_TOKEN: viewerToken })
    expect(listed.stderr).toBe('')
    expect(listed.code).toBe(0)
    expect((JSON.parse(listed.stdout) as DeviceView[]).length).toBe(3)
    const usage = await fleetsProcess(['devices', 'list', '--bogus'])
    expect(usage.code).toBe(2)
    expect(usage.stderr).toMatch(/Unknown option '--bogus'/)
  }, 60_000)
})
