/**
 * `npm start` end to end: the built demo (dist/, built by `npm test`'s pretest) as a child
 * process on loopback. A fresh demo dir runs with `--once` until the canary ends: exit 0, the
 * canary succeeded, no app process left behind. A second start reuses the dir (the same admin
 * token, from its 0600 file) and is stopped with SIGINT once the app runs on every device:
 * it exits 0 and leaves no app process either.
 */
import { spawn } from 'node:child_process'
import { readFile, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appProcesses } from '../support/app-client.js'
import { tempDir } from '../support/fleet-node-proc.js'
import type { ChildProcess } from 'node:child_process'

const DEMO_CLI = resolve('dist/node/cli/demo-fleet.js')
const NODES = 3

interface Demo { child: ChildProcess, output: () => string, exited: Promise<number | null> }

function startDemo (dir: string, extra: string[]): Demo {
  const child = spawn(process.execPath, [DEMO_CLI, '--nodes', String(NODES), '--dir', dir, '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] })
  let text = ''
  child.stdout?.on('data', (c: Buffer) => { text += c.toString() })
  child.stderr?.on('data', (c: Buffer) => { text += c.toString() })
  const exited = new Promise<number | null>(resolve => { child.once('exit', code => { resolve(code) }) })
  return { child, output: () => text, exited }
}

async function leftApps (dir: string): Promise<number[]> {
  const pids = await Promise.all(Array.from({ length: NODES }, async (_, i) => await appProcesses(join(dir, `node-${i + 1}`))))
  return pids.flat()
}

async function until (what: string, probe: () => boolean, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; demo output:\n${output()}`)
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}

describe('npm start: the demo fleet', () => {
  let dir = ''
  const running: Demo[] = []

  beforeAll(async () => { dir = await tempDir('demo') })

  afterAll(async () => {
    for (const demo of running) if (demo.child.exitCode == null) demo.child.kill('SIGKILL')
    // A failed run may leave app process groups behind: never leak them into other tests.
    for (const pid of await leftApps(dir)) { try { process.kill(-pid, 'SIGKILL') } catch {} }
    await rm(dir, { recursive: true, force: true })
  })

  it('--once runs a canary to success on a fresh dir and leaves no app process', async () => {
    const demo = startDemo(dir, ['--once'])
    running.push(demo)
    const code = await demo.exited
    expect(code, demo.output()).toBe(0)
    expect(demo.output()).toMatch(/canary dep-\S+ succeeded after \d+s/)
    expect(demo.output()).toMatch(/admin token {2}fleetd_/)
    expect((await stat(join(dir, 'admin.token'))).mode & 0o777).toBe(0o600)
    expect(await leftApps(dir)).toEqual([])
  }, 240_000)

  it('a second start reuses the dir and its admin token; SIGINT stops everything cleanly', async () => {
    const token = (await readFile(join(dir, 'admin.token'), 'utf8')).trim()
    const demo = startDemo(dir, [])
    running.push(demo)
    await until('the first deployment to succeed', () => demo.output().includes('rolling out 1.1.0 as a canary'), 120_000, demo.output)
    expect(demo.output()).toContain(`admin token  ${token}`)
    expect((await leftApps(dir)).length).toBeGreaterThan(0)
    demo.child.kill('SIGINT')
    const code = await demo.exited
    expect(code, demo.output()).toBe(0)
    expect(await leftApps(dir)).toEqual([])
  }, 180_000)
})
