/**
 * The web dashboard in a real browser: Debian's headless Chromium (/usr/bin/chromium, no
 * browser download) driven by playwright-core, against `fleets server` on namespace host h0
 * with three real `fleet-node`s on h1…h3 (joined with the server's token, mDNS off, telemetry
 * every 2 s). Chromium runs inside h0's namespace too (a wrapper runs it under `ip netns
 * exec`; playwright talks to it over a pipe), so nothing leaves the namespaces. Checked:
 * - an operator logs in with a token and sees the fleet (3 devices online, telemetry) and a
 *   device's metrics charts;
 * - a canary deployment's phases advance on the page, live (server-sent events, no reload),
 *   up to its manual phase;
 * - a viewer sees the commands disabled, and the server refuses the call when forced (403);
 * - the operator presses rollback: the deployment rolls back, both pages follow.
 * Screenshots go to test-output/dashboard/.
 */
import { existsSync } from 'node:fs'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHostNetwork, netnsSupport, waitForLine } from '../support/netns-hosts.js'
import { TEST_OUTPUT_DIR } from '../support/netns-logs.js'
import { FLEETS_CLI, startFleetNode, tempDir } from '../support/fleet-node-proc.js'
import { writeFixture } from '../fixtures/http-app.js'
import type { Host, HostNetwork } from '../support/netns-hosts.js'
import type { RunningNode } from '../support/fleet-node-proc.js'
import type { Browser, Page } from 'playwright-core'
import type { ChildProcess } from 'node:child_process'

const DEVICES = 3
const APP_PORT = 8080
const API_PORT = 8080
const CHROMIUM = '/usr/bin/chromium'
const SHOTS = resolve(TEST_OUTPUT_DIR, 'dashboard')
const support = await netnsSupport()
const ready = support.ok && existsSync(CHROMIUM)
const why = !support.ok ? support.reason : `${CHROMIUM} is missing (apt-get install chromium)`
if (!ready) console.warn(`dashboard browser test skipped: ${why}`)

/** A fetch inside h0's namespace (the API listens there); prints `status body`. */
const FETCH = `const [url, method, token, body] = process.argv.slice(1)
fetch(url, { method, headers: { ...(token ? { authorization: 'Bearer ' + token } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body } : {}) })
  .then(async r => { process.stdout.write(r.status + ' ' + await r.text()) }, e => { process.stdout.write('0 ' + e.message) })`

describe.skipIf(!ready)(`the web dashboard in Chromium against ${DEVICES} namespace hosts${ready ? '' : ` (skipped: ${why})`}`, () => {
  let network: HostNetwork
  let dir = ''
  let server: ChildProcess
  let browser: Browser
  const tokens = { admin: '', operator: '', viewer: '' }
  const nodes: RunningNode[] = []
  const host = (i: number): Host => network.hosts[i] ?? (() => { throw new Error(`no host ${i}`) })()
  const base = (): string => `http://${host(0).address}:${API_PORT}`
  const logs = (): string => [`coordinator:\n${host(0).logs(server.pid).slice(-30).join('\n')}`, ...nodes.map((n, i) => `h${i + 1}:\n${n.logs().split('\n').slice(-10).join('\n')}`)].join('\n')

  async function api<T> (method: string, path: string, body?: unknown, token = tokens.admin): Promise<T> {
    const r = await host(0).exec(process.execPath, ['-e', FETCH, `${base()}/api/v1${path}`, method, token, body == null ? '' : JSON.stringify(body)], { timeoutMs: 30_000 })
    const space = r.stdout.indexOf(' ')
    const status = Number(r.stdout.slice(0, space))
    if (status < 200 || status >= 300) throw new Error(`${method} ${path} answered ${status}: ${r.stdout.slice(space + 1)}`)
    return JSON.parse(r.stdout.slice(space + 1)) as T
  }

  async function until<T> (what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs
    let last: unknown
    for (;;) {
      try {
        const value = await probe()
        if (value !== undefined) return value
      } catch (err) { last = err }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last != null ? ` (${(last as Error).message})` : ''}\n${logs()}`)
      await new Promise(resolve => setTimeout(resolve, 500))
    }
  }

  /** Waits until the element's whole text is `text` (a locator: the page's CSP forbids evaluating strings, rightly). */
  async function textIs (page: Page, selector: string, text: string, timeoutMs = 30_000): Promise<void> {
    await page.locator(selector, { hasText: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).waitFor({ timeout: timeoutMs })
  }

  async function loggedIn (token: string): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
    page.on('dialog', dialog => { void dialog.accept() })
    await page.goto(`${base()}/ui/`)
    await page.fill('#token', token)
    await page.click('#login button[type=submit]')
    await page.waitForSelector('#nav:not([hidden])')
    return page
  }

  beforeAll(async () => {
    dir = await tempDir('dashboard')
    await mkdir(SHOTS, { recursive: true })
    network = await createHostNetwork({ count: DEVICES + 1, prefix: 'dash' })
    const keysDir = join(dir, 'keys')
    expect((await host(0).exec(process.execPath, [FLEETS_CLI, 'keys', 'generate', 'release', '--keys-dir', keysDir], { timeoutMs: 60_000 })).code).toBe(0)
    const db = join(dir, 'fleet.db')
    const tokenFile = join(dir, 'fleet.token')
    server = host(0).spawn(process.execPath, [FLEETS_CLI, 'server', '--db', db, '--port', String(API_PORT), '--host', '0.0.0.0', '--keys-dir', keysDir,
      '--no-mdns', '--rpc-port', '0', '--heartbeat-ms', '2000', '--join-token-out', tokenFile], { tee: true })
    let printed = ''
    server.stdout?.on('data', (chunk: Buffer) => { printed += chunk.toString('utf8') })
    await waitForLine(server, /join token written/, 60_000)
    tokens.admin = /^admin token \(shown once, keep it\): (\S+)$/m.exec(printed)?.[1] ?? ''
    for (const role of ['operator', 'viewer'] as const) tokens[role] = (await api<{ token: string }>('POST', '/tokens', { name: `${role}-ui`, role })).token

    for (const version of ['1.0.0', '2.0.0']) {
      const { file } = await writeFixture(dir, { version })
      const up = await host(0).exec(process.execPath, [FLEETS_CLI, 'artifact', 'upload', '--name', 'http-app', '--version', version, '--type', 'script',
        '--file', file, '--platform', 'linux/amd64', '--keys-dir', keysDir, '--node-storage-dir', `${db}.node`], { timeoutMs: 60_000 })
      if (up.code !== 0) throw new Error(`upload of ${version} failed: ${up.stderr}`)
    }
    for (let i = 1; i <= DEVICES; i++) {
      nodes.push(startFleetNode({
        host: host(i), storageDir: join(dir, `h${i}`),
        args: ['--token-file', tokenFile, '--no-mdns', '--rpc-port', '0', '--name', `h${i}`, '--label', 'group=ui', '--heartbeat-ms', '2000', '--telemetry-interval', '2s']
      }))
    }
    await until(`${DEVICES} devices online`, async () => {
      const { devices } = await api<{ devices: Array<{ status: string }> }>('GET', '/devices')
      return devices.filter(d => d.status === 'online').length === DEVICES ? true : undefined
    }, 90_000)
    const created = await host(0).exec(process.execPath, [FLEETS_CLI, 'app', 'create', '--name', 'http-app', '--artifact', 'http-app:1.0.0', '--runtime', 'process',
      '--health-check', `http://localhost:${APP_PORT}/health`, '--env', `PORT=${APP_PORT}`, '--server', base(), '--token', tokens.operator], { timeoutMs: 60_000 })
    if (created.code !== 0) throw new Error(`app create failed (exit ${String(created.code)}): ${created.stderr}${created.stdout}`)

    // Chromium inside h0: playwright starts this wrapper and talks to the browser over its pipes.
    const wrapper = join(dir, 'chromium-in-h0.sh')
    await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${host(0).ns} ${CHROMIUM} "$@"\n`)
    await chmod(wrapper, 0o755)
    browser = await chromium.launch({ executablePath: wrapper, args: ['--disable-dev-shm-usage'] })
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    for (const node of nodes) await node.stop().catch(() => {})
    server?.kill('SIGTERM')
    await network?.destroy()
  }, 120_000)

  it('an operator logs in and sees the fleet, the devices and a device\'s metrics charts', async () => {
    const page = await loggedIn(tokens.operator)
    expect(await page.textContent('#who')).toBe('operator-ui (operator)')
    await textIs(page, '#devices-online', '3')
    // Telemetry arrives every 2 s: the fleet cards count the devices sending it (live, without a reload).
    await textIs(page, '#telemetry-reporting', '3')
    await page.screenshot({ path: join(SHOTS, '1-fleet.png'), fullPage: true })

    await page.goto(`${base()}/ui/#/devices`)
    await page.waitForSelector('#devices tbody tr[data-device-id]')
    expect(await page.locator('#devices tbody tr').count()).toBe(DEVICES)
    const names = await page.locator('#devices tbody tr td:first-child').allTextContents()
    expect(names.sort()).toEqual(['h1', 'h2', 'h3'])
    // CPU column: a real percentage from the device's /proc, not the '–' of a device without telemetry.
    expect(await page.locator('#devices tbody tr td:nth-child(7)').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^\d+\.\d %$/)]))
    await page.screenshot({ path: join(SHOTS, '2-devices.png'), fullPage: true })

    await page.click('#devices tbody tr a >> text=h1')
    await page.waitForSelector('#charts svg.chart')
    // Live: samples keep arriving on the event stream and redraw the CPU chart's line.
    await expect.poll(async () => (await page.getAttribute('#charts svg.chart path.line', 'd'))?.split('L').length ?? 0, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(3)
    expect(await page.locator('#charts svg.chart').count()).toBeGreaterThanOrEqual(4)
    expect(await page.textContent('#latest')).toContain('memory_total_bytes')
    await page.screenshot({ path: join(SHOTS, '3-device.png'), fullPage: true })
    await page.context().close()
  }, 120_000)

  // The page once drew a single 'all: 100 %' phase: it took the phases from the fleet snapshot, cached for a second,
  // which did not list a deployment created within it. It now asks for the deployment's own progress.
  it('shows a canary\'s phases advancing live; an operator rolls it back with the button, a viewer is refused', async () => {
    const operator = await loggedIn(tokens.operator)
    // The first deployment of the app: rollbackTo names the version to return to (1.0.0 is uploaded).
    const dep = await api<{ id: string }>('POST', '/deployments', {
      app: 'http-app', version: '2.0.0', rollbackTo: '1.0.0', target: 'group:ui', strategy: 'canary', minSamples: 1,
      phases: [{ percent: 34, durationMs: 1_000 }, { percent: 67, durationMs: 1_000 }, { percent: 100, durationMs: 1_000, validation: 'manual' }]
    }, tokens.operator)
    await operator.goto(`${base()}/ui/#/deployments/${dep.id}`)
    await operator.waitForSelector('#dep-phases .phase')
    // Record what the page shows as it changes (it never reloads: server-sent events move it).
    const seen: string[] = []
    const deadline = Date.now() + 150_000
    for (;;) {
      const state = await operator.textContent('#dep-state') ?? ''
      const current = await operator.locator('#dep-phases .phase.current').getAttribute('data-phase', { timeout: 1_000 }).catch(() => null)
      const now = `${state}:${current ?? '-'}`
      if (seen.at(-1) !== now) seen.push(now)
      if (state === 'awaiting-approval') break
      if (['failed', 'rolled-back', 'succeeded'].includes(state) || Date.now() > deadline) throw new Error(`deployment ${dep.id} is ${state}; seen ${seen.join(' ')}\n${logs()}`)
      if (seen.length === 2) await operator.screenshot({ path: join(SHOTS, '4-deployment-progress.png'), fullPage: true })
      await operator.waitForTimeout(250)
    }
    const phasesSeen = new Set(seen.map(s => s.split(':')[1]).filter(p => p !== '-'))
    expect(phasesSeen.size, `phases seen: ${seen.join(' ')}`).toBeGreaterThanOrEqual(2)
    expect(await operator.locator('#dep-phases .phase.done').count()).toBe(2)
    await operator.screenshot({ path: join(SHOTS, '5-deployment-awaiting-approval.png'), fullPage: true })

    const viewer = await loggedIn(tokens.viewer)
    await viewer.goto(`${base()}/ui/#/deployments/${dep.id}`)
    await textIs(viewer, '#dep-state', 'awaiting-approval')
    expect(await viewer.isDisabled('#btn-rollback')).toBe(true)
    expect(await viewer.textContent('#role-note')).toContain('operator role')
    // Forced past the disabled button, the server itself refuses.
    await viewer.locator('#btn-rollback').evaluate((button) => { const b = button as unknown as { disabled: boolean, click(): void }; b.disabled = false; b.click() })
    await viewer.waitForSelector('#message.error')
    expect(await viewer.textContent('#message')).toMatch(/^rollback refused: .*operator/)
    await viewer.screenshot({ path: join(SHOTS, '6-viewer-refused.png'), fullPage: true })
    expect((await api<{ deployment: { state: string } }>('GET', `/deployments/${dep.id}`)).deployment.state).toBe('awaiting-approval')

    await operator.click('#btn-rollback')
    await operator.waitForSelector('#message:not(.error)')
    expect(await operator.textContent('#message')).toMatch(/^rollback: accepted/)
    await textIs(operator, '#dep-state', 'rolled-back', 150_000)
    await operator.screenshot({ path: join(SHOTS, '7-operator-rolled-back.png'), fullPage: true })
    // The viewer's page follows live too.
    await textIs(viewer, '#dep-state', 'rolled-back')
    await viewer.context().close()
    await operator.context().close()
  }, 300_000)
})
