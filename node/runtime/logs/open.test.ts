/**
 * Log files as a child's stdio: the child writes on after the agent closes its copy of the fd,
 * and after the agent process is killed with SIGKILL (no pipe, so no SIGPIPE).
 */
import { spawn } from 'node:child_process'
import { closeSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LogFileError, openLogFile } from './index.js'

/** Prints `count` numbered lines, one every 5 ms. */
const WRITER = "let i = 0; const n = Number(process.argv[1]); const t = setInterval(() => { console.log('tick ' + (++i)); if (i === n) clearInterval(t) }, 5)"

let dir: string
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'fleetd-logs-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

const lineCount = async (path: string): Promise<number> => (await readFile(path, 'utf8')).split('\n').filter(Boolean).length

async function waitFor (check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  for (const start = Date.now(); !(await check());) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`)
    await sleep(20)
  }
}

describe('openLogFile', () => {
  it('gives a child an append fd it keeps writing to after the agent closes its copy', async () => {
    const path = join(dir, 'logs', 'web.log')
    const fd = await openLogFile(path)
    const child = spawn(process.execPath, ['-e', WRITER, '60'], { stdio: ['ignore', fd, fd] })
    closeSync(fd)
    const code = await new Promise(resolve => child.once('exit', resolve))
    expect(code).toBe(0)
    expect(await lineCount(path)).toBe(60)
  })

  it('keeps the app writing after the agent is killed with SIGKILL', async () => {
    const path = join(dir, 'web.log')
    const logsIndex = fileURLToPath(new URL('./index.ts', import.meta.url))
    // The "agent": opens the log with openLogFile, starts the app detached with it, reports the app's pid, then idles.
    const agentCode = `
      const { openLogFile } = await import(${JSON.stringify(logsIndex)})
      const { spawn } = await import('node:child_process')
      const fd = await openLogFile(${JSON.stringify(path)})
      const app = spawn(process.execPath, ['-e', ${JSON.stringify(WRITER)}, '100'], { stdio: ['ignore', fd, fd], detached: true })
      app.unref()
      console.log(app.pid)
      setInterval(() => {}, 1000)`
    const agent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', agentCode], { stdio: ['ignore', 'pipe', 'inherit'] })
    const appPid = Number(await new Promise<string>(resolve => agent.stdout.once('data', (b: Buffer) => { resolve(b.toString()) })))
    try {
      await waitFor(async () => await lineCount(path) >= 5, 5_000)
      agent.kill('SIGKILL')
      await new Promise(resolve => agent.once('exit', resolve))
      const atKill = await lineCount(path)
      expect(atKill).toBeLessThan(100)
      await waitFor(async () => await lineCount(path) === 100, 10_000)
      expect((await readFile(path, 'utf8')).split('\n').filter(Boolean).at(-1)).toBe('tick 100')
    } finally {
      try { process.kill(appPid, 'SIGKILL') } catch { /* already exited */ }
    }
  })

  it('says which file cannot be opened and what to check', async () => {
    await writeFile(join(dir, 'file'), '')
    const err = await openLogFile(join(dir, 'file', 'web.log')).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LogFileError)
    expect(err).toMatchObject({ code: 'FLEET_ERR_LOG_FILE', path: join(dir, 'file', 'web.log') })
    expect((err as Error).message).toMatch(/cannot open log file .*web\.log \(E[A-Z]+\); check that its dir is writable/)
  })
})
