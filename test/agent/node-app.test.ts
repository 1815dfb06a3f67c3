/**
 * `fleet-node app` end to end on a real node (loopback, mDNS off): a signed script artifact is
 * uploaded with `fleets artifact upload`, deployed with `fleet-node app deploy --wait`, served on
 * the agent's port; a version failing its health check is refused with the reason and the
 * device stays on the running one. Then the chaos run: 30 `kill -9` of the node at random
 * moments of updates; after each restart the device converges to the target, serving it from
 * exactly one process.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FLEET_NODE_CLI, FLEETS_CLI, runCli as cli, startFleetNode, tempDir } from '../support/fleet-node-proc.js'
import { appProcesses, httpGet } from '../support/app-client.js'
import { writeFixture } from '../fixtures/http-app.js'
import type { AgentStatus } from '../../node/agent/index.js'
import type { DeviceMetrics } from '../../proto/index.js'
import type { CliRun, RunningNode } from '../support/fleet-node-proc.js'
import type { FixtureVersion } from '../fixtures/http-app.js'

const LOOPBACK = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--rpc-port', '0']
const PORT = 19_000 + (process.pid % 1000)
const CHAOS_KILLS = Number(process.env.CHAOS_KILLS ?? 30)




describe('fleet-node app on a real node', () => {
  let dir = ''
  let keysDir = ''
  let token = ''
  let node: RunningNode
  const manifests = new Map<string, string>()
  const specFile = (strategy: string): string => join(dir, `spec-${strategy}.json`)

  const status = async (): Promise<AgentStatus> => JSON.parse((await cli(FLEET_NODE_CLI, ['app', 'status', '--json', '--storage-dir', node.storageDir])).stdout) as AgentStatus
  const start = (): RunningNode => startFleetNode({ storageDir: join(dir, 'node'), args: [...LOOPBACK, '--token', token] })

  async function publish (v: FixtureVersion): Promise<void> {
    const { file } = await writeFixture(dir, v)
    const r = await cli(FLEETS_CLI, ['artifact', 'upload', '--name', 'http-app', '--version', v.version, '--type', 'script', '--file', file,
      '--platform', 'linux/amd64', '--keys-dir', keysDir, '--node-storage-dir', node.storageDir, '--json'])
    if (r.code !== 0) throw new Error(`upload failed: ${r.stderr}`)
    const manifestFile = join(dir, `manifest-${v.version}.json`)
    await writeFile(manifestFile, JSON.stringify((JSON.parse(r.stdout) as { manifest: unknown }).manifest))
    manifests.set(v.version, manifestFile)
  }

  const deploy = async (version: string, strategy: string, wait = true): Promise<CliRun> =>
    await cli(FLEET_NODE_CLI, ['app', 'deploy', '--spec', specFile(strategy), '--manifest', manifests.get(version) ?? '', '--storage-dir', node.storageDir, ...(wait ? ['--wait', '--timeout', '60'] : [])])

  beforeAll(async () => {
    dir = await tempDir('node-app')
    keysDir = join(dir, 'keys')
    expect((await cli(FLEETS_CLI, ['keys', 'generate', 'release', '--keys-dir', keysDir])).code).toBe(0)
    token = (await cli(FLEETS_CLI, ['token', 'create', '--db', join(dir, 'fleet.db'), '--release-key', 'release', '--keys-dir', keysDir])).stdout.trim()
    for (const strategy of ['stop-start', 'blue-green']) {
      await writeFile(specFile(strategy), JSON.stringify({
        name: 'http-app', ports: [{ port: PORT, host: '127.0.0.1' }], update: { strategy, healthTimeoutMs: 20_000 },
        healthCheck: { kind: 'http', path: '/health', intervalMs: 200, retries: 2, startPeriodMs: 10_000 }
      }))
    }
    node = start()
    await node.waitFor('the node to start', s => s.peerId !== '', 20_000)
    for (const v of [{ version: '1.0.0' }, { version: '2.0.0' }, { version: '3.0.0-bad', healthStatus: 503 }]) await publish(v)
  }, 60_000)

  afterAll(async () => {
    if (node != null) {
      await cli(FLEET_NODE_CLI, ['app', 'remove', 'http-app', '--storage-dir', node.storageDir])
      const deadline = Date.now() + 20_000
      while (Date.now() < deadline && (await appProcesses(node.storageDir)).length > 0) await new Promise(resolve => setTimeout(resolve, 200))
      await node.stop()
      for (const pid of await appProcesses(join(dir, 'node'))) process.kill(-pid, 'SIGKILL')
    }
  }, 40_000)

  it('deploys a signed artifact and serves it; a version failing its check is refused with the reason', async () => {
    const first = await deploy('1.0.0', 'stop-start')
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toMatch(/http-app@1\.0\.0 is live/)
    expect(await httpGet(PORT)).toBe('version 1.0.0')
    const bad = await deploy('3.0.0-bad', 'blue-green')
    expect(bad.code).toBe(1)
    expect(bad.stdout).toMatch(/http-app@3\.0\.0-bad failed: await-healthy: unhealthy after \d+ failed checks: HTTP 503 from \/health \(expected 2xx\); rolled back to 1\.0\.0/)
    expect(await httpGet(PORT)).toBe('version 1.0.0')
    const text = (await cli(FLEET_NODE_CLI, ['app', 'status', '--storage-dir', node.storageDir])).stdout
    expect(text).toMatch(/3\.0\.0-bad failed 1×: await-healthy: unhealthy/)
    const logs = await cli(FLEET_NODE_CLI, ['app', 'logs', 'http-app', '--storage-dir', node.storageDir])
    expect(logs.code).toBe(0)
    // Metrics: the app's process, and the custom metric it pushes to FLEET_METRICS_URL.
    const deadline = Date.now() + 10_000
    let metrics: (Omit<DeviceMetrics, 'customMetrics'> & { customMetrics: Record<string, number> }) | undefined
    while (Date.now() < deadline) {
      metrics = JSON.parse((await cli(FLEET_NODE_CLI, ['metrics', '--json', '--storage-dir', node.storageDir])).stdout) as typeof metrics
      if (metrics?.customMetrics['http-app/served'] != null) break
      await new Promise(resolve => setTimeout(resolve, 300))
    }
    expect(metrics?.customMetrics['http-app/served']).toBeGreaterThanOrEqual(1)
    expect(metrics?.processes.find(p => p.app === 'http-app@1.0.0')).toMatchObject({ state: 'running', restarts: 0 })
    expect(metrics?.memoryUsed).toBeGreaterThan(0)
  }, 90_000)

  it(`converges after ${CHAOS_KILLS} kill -9 of the node at random moments of updates`, async () => {
    const versions = ['2.0.0', '1.0.0']
    for (let i = 0; i < CHAOS_KILLS; i++) {
      const version = versions[i % 2] ?? '1.0.0'
      const strategy = i % 3 === 0 ? 'stop-start' : 'blue-green'
      const r = await deploy(version, strategy, false)
      expect(r.code, r.stderr).toBe(0)
      await new Promise(resolve => setTimeout(resolve, Math.floor(Math.random() * 1_500)))
      await node.stop('SIGKILL')
      node = start()
      const deadline = Date.now() + 60_000
      let s: AgentStatus | undefined
      for (;;) {
        s = await status().catch(() => undefined)
        if (s?.converged === true && s.apps[0]?.active === version) break
        if (Date.now() > deadline) throw new Error(`kill ${i + 1}: not converged to ${version} in 60 s: ${JSON.stringify(s)}\n${node.logs()}`)
        await new Promise(resolve => setTimeout(resolve, 200))
      }
      expect(await httpGet(PORT)).toBe(`version ${version}`)
      const pids = await appProcesses(node.storageDir)
      if (pids.length !== 1) {
        const described = await Promise.all(pids.map(async pid => `${pid}: ${(await readFile(`/proc/${pid}/environ`, 'latin1')).split('\0').filter(e => e.startsWith('FLEET')).join(' ')}`))
        throw new Error(`kill ${i + 1}: ${pids.length} app processes:\n${described.join('\n')}\nstate: ${await readFile(join(node.storageDir, 'agent', 'state.json'), 'utf8')}\n${node.logs()}`)
      }
    }
  }, 600_000)
})
