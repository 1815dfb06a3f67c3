/**
 * The agent with real processes on loopback: a real HTTP app installed from script artifacts,
 * updated stop-start and blue-green (with a client polling through the update), a version that
 * fails its health check rolled back locally with the reason, a crash loop, a memory limit.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { agent } from '../../node/agent/index.js'
import { consoleLogger, silentLogger } from "../../node/logging/index.js"
import { systemClock } from '../../node/ports/index.js'
import { detectLimitSupport } from '../../node/runtime/limits/index.js'
import { writeFixture } from '../fixtures/http-app.js'
import { fileArtifactSource } from './file-artifact-source.js'
import { httpGet } from '../support/app-client.js'
import type { Agent, AgentEvent } from '../../node/agent/index.js'
import type { FixtureVersion } from '../fixtures/http-app.js'
import type { ManifestJson } from '../../content/manifest/index.js'

const PORT = 18_000 + (process.pid % 1000)
let dir = ''
let a: Agent
const files = new Map<string, string>()
const manifests = new Map<string, ManifestJson>()
const events: AgentEvent[] = []

async function fixture (v: FixtureVersion): Promise<ManifestJson> {
  const { file, manifest } = await writeFixture(dir, v)
  files.set(`http-app@${v.version}`, file)
  manifests.set(v.version, manifest)
  return manifest
}

const spec = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'http-app', ports: [{ port: PORT, host: '127.0.0.1' }],
  healthCheck: { kind: 'http', path: '/health', intervalMs: 200, retries: 2, startPeriodMs: 5_000 }, update: { strategy: 'stop-start', healthTimeoutMs: 10_000 }, ...extra
})


async function waitForEvent (match: (e: AgentEvent) => boolean, timeoutMs = 30_000): Promise<AgentEvent> {
  const start = Date.now()
  for (;;) {
    const found = events.find(match)
    if (found != null) return found
    if (Date.now() - start > timeoutMs) throw new Error(`no matching agent event in ${timeoutMs} ms; events: ${JSON.stringify(events.slice(-5))}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleetd-agent-'))
  a = agent({ storageDir: dir, penaltyMs: 60_000 })({ clock: systemClock(), logger: (process.env.AGENT_TEST_LOG === "1" ? consoleLogger() : silentLogger), artifacts: fileArtifactSource(files), limitSupport: await detectLimitSupport() })
  a.onEvent(e => events.push(e))
  await a.start()
})
afterAll(async () => {
  await a.removeApp('http-app')
  await waitForEvent(e => e.type === 'converged' && a.status().apps.length === 0, 20_000).catch(() => {})
  await a.stop()
})

describe('agent on real processes', () => {
  it('installs and runs a first version behind its public port', async () => {
    await a.setApp(spec(), await fixture({ version: '1.0.0' }))
    await waitForEvent(e => e.type === 'updated' && e.version === '1.0.0')
    expect(await httpGet(PORT)).toBe('version 1.0.0')
  })

  it('updates blue-green with no failed request while a client polls', async () => {
    let ok = 0
    let failed = 0
    let polling = true
    const poller = (async () => {
      while (polling) {
        await httpGet(PORT).then(() => { ok++ }, () => { failed++ })
      }
    })()
    await a.setApp(spec({ update: { strategy: 'blue-green', healthTimeoutMs: 10_000 } }), await fixture({ version: '2.0.0' }))
    await waitForEvent(e => e.type === 'updated' && e.version === '2.0.0')
    await waitForEvent(e => e.type === 'converged' && a.status().apps[0]?.active === '2.0.0')
    polling = false
    await poller
    expect(await httpGet(PORT)).toBe('version 2.0.0')
    expect(failed).toBe(0)
    expect(ok).toBeGreaterThan(10)
  })

  it('rolls a version that fails its health check back to the running one, with the reason', async () => {
    await a.setApp(spec(), await fixture({ version: '3.0.0', healthStatus: 500 }))
    const failure = await waitForEvent(e => e.type === 'update-failed' && e.version === '3.0.0')
    expect(failure).toMatchObject({ app: 'http-app', rollbackTo: '2.0.0', attempts: 1 })
    expect(failure.type === 'update-failed' && failure.error).toMatch(/await-healthy: unhealthy after \d+ failed checks: HTTP 500/)
    await waitForEvent(e => e.type === 'converged' && events.indexOf(e) > events.indexOf(failure))
    expect(await httpGet(PORT)).toBe('version 2.0.0')
    expect(a.status().apps[0]).toMatchObject({ active: '2.0.0', target: '3.0.0' })
  })

  it('reports a crash loop with its count', async () => {
    await a.setApp(spec({ restartPolicy: 'always', update: { strategy: 'blue-green', healthTimeoutMs: 30_000 }, healthCheck: { kind: 'http', intervalMs: 200, startPeriodMs: 20_000 } }), await fixture({ version: '4.0.0', exitCode: 1 }))
    const failure = await waitForEvent(e => e.type === 'update-failed' && e.version === '4.0.0')
    expect(failure.type === 'update-failed' && failure.error).toMatch(/crash_loop: 5 exits within a minute \(last exit code 1\)/)
    expect(await httpGet(PORT)).toBe('version 2.0.0')
  })

  it('enforces a memory limit where cgroups allow it and says which mechanism is active', async () => {
    const support = await detectLimitSupport()
    if (support.memory === 'none') { console.log(`memory limits unavailable here: ${support.notes.join('; ')}`); return }
    await a.setApp(spec({ limits: { memory: '96Mi' }, restartPolicy: 'on-failure' }), await fixture({ version: '5.0.0', allocateMiB: 400 }))
    await waitForEvent(e => e.type === 'updated' && e.version === '5.0.0')
    const start = Date.now()
    let restarts = 0
    while (Date.now() - start < 20_000 && restarts === 0) {
      const instance = a.status().apps[0]?.instances.find(i => i.version === '5.0.0')
      restarts = instance?.restarts ?? 0
      expect(instance?.enforcement?.memory).toBe(support.memory)
      await new Promise(resolve => setTimeout(resolve, 200))
    }
    expect(restarts).toBeGreaterThan(0)
  })
})
