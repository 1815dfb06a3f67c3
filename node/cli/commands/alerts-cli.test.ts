import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Health, WIRE_VERSION } from '../../../proto/index.js'
import { TELEMETRY_STEP } from '../../telemetry/index.js'
import { fleets, startCoordinator } from './server-cli-support.js'
import type { RunningCoordinator } from './server-cli-support.js'
import type { DeploymentRecord } from '../../coordinator/store/index.js'

const DEV = '12D3KooWAlertsCliTestDevice'
let coordinator: RunningCoordinator
let admin: string[] = []
let viewer: string[] = []
let seq = 1

/** A telemetry report as a device's sender delivers it. */
async function sample (metrics: Record<string, number>): Promise<void> {
  const handled = await coordinator.obs?.onReport({
    version: WIRE_VERSION, deviceId: DEV, deploymentId: '', planSeq: 0, step: TELEMETRY_STEP, appVersion: '', health: Health.HEALTHY,
    errorCode: '', errorMessage: '', metrics: new Map(Object.entries(metrics)), sentMs: Date.now(), seq: seq++
  })
  expect(handled).toBe(true)
}

beforeAll(async () => {
  coordinator = await startCoordinator({ observability: true })
  admin = ['--server', coordinator.url, '--token', coordinator.adminToken]
  const res = await fetch(`${coordinator.url}/api/v1/tokens`, {
    method: 'POST', headers: { authorization: `Bearer ${coordinator.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'viewer', role: 'viewer' })
  })
  viewer = ['--server', coordinator.url, '--token', (await res.json() as { token: string }).token]
})
afterAll(async () => { await coordinator.stop() })

describe('fleets alerts and deploy watch --metrics/--alert-on against a real coordinator on 127.0.0.1', () => {
  it('adds rules (operators), refuses viewers and bad expressions, lists firing alerts', async () => {
    expect(await fleets(['alerts', 'add', 'hot', 'cpu_percent>90', '--severity', 'critical', ...admin])).toMatchObject({ code: 0, stdout: 'alert rule hot saved\n' })
    const refused = await fleets(['alerts', 'add', 'hot2', 'cpu_percent>90', ...viewer])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('FLEET_ERR_API_FORBIDDEN')
    const bad = await fleets(['alerts', 'add', 'x', 'cpu_percent>>90', ...admin])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('METRIC OP NUMBER')
    expect(await fleets(['alerts', 'add', 'load', '--anomaly', 'load1', '--deviations', '4', ...admin])).toMatchObject({ code: 0 })
    expect((await fleets(['alerts', 'rules', ...viewer])).stdout).toMatch(/hot +threshold +cpu_percent +> 90 +critical\nload +anomaly +load1 +> 4σ from last 30 +warning/)

    expect((await fleets(['alerts', 'list', ...viewer])).stdout).toBe('no alerts\n')
    await sample({ cpu_percent: 95, load1: 1 })
    await coordinator.obs?.alerts.drain()
    await new Promise(resolve => setImmediate(resolve))
    const list = await fleets(['alerts', 'list', '--state', 'firing', ...viewer])
    expect(list.stdout).toMatch(new RegExp(`^STATE +SEVERITY +RULE +DEVICE +METRIC +WHY +SINCE\nfiring +critical +hot +${DEV} +cpu_percent +cpu_percent 95 > 90 +\\d+s ago\n$`))
    const json = JSON.parse((await fleets(['alerts', 'list', '--json', ...viewer])).stdout) as Array<{ state: string }>
    expect(json.map(a => a.state)).toEqual(['firing'])
    expect((await fleets(['alerts', 'list', '--state', 'nope', ...viewer])).code).toBe(2)
  })

  it('deploy watch shows the telemetry of the devices running the app and exits 3 when --alert-on fired', async () => {
    expect((await fleets(['app', 'create', '--name', 'edge-app', '--artifact', 'edge-app:2.0.0', ...admin])).code).toBe(0)
    const created = JSON.parse((await fleets(['deploy', 'create', '--app', 'edge-app', '--target', 'all', '--strategy', 'all-at-once', '--json', ...admin])).stdout) as DeploymentRecord
    const stored = await coordinator.store.deployments.get(created.id)
    if (stored == null) throw new Error('no deployment')
    await coordinator.store.deployments.put(created.id, { ...stored, state: 'succeeded' })
    await sample({ cpu_percent: 40, memory_used_bytes: 300 * 1048576, 'app:edge-app:up': 1, 'edge-app/error_rate': 0.05 })
    const watch = await fleets(['deploy', 'watch', created.id, '--until-done', '--metrics', 'cpu,memory', '--alert-on', 'error_rate>0.01', ...viewer])
    const lines = watch.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/ succeeded {2}phase 0 /)
    expect(lines[1]).toMatch(/metrics of 1 device\(s\) running edge-app: cpu mean 40 max 40 · memory mean 300 MiB max 300 MiB$/)
    expect(lines[2]).toMatch(/ALERT firing: error_rate 0\.05 > 0\.01 \(worst of 1 device\(s\)\)$/)
    expect(watch.code).toBe(3)
    const badExpr = await fleets(['deploy', 'watch', created.id, '--alert-on', 'error_rate=1', ...viewer])
    expect(badExpr.code).toBe(2)
    expect(badExpr.stderr).toContain('--alert-on')
  })
})
