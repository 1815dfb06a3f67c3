/** Real processes: spawn, log to a file, restart by policy, crash loop, stop, adopt. */
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../logging/index.js'
import { systemClock } from '../../ports/index.js'
import { SupervisedProcess, processStartTicks } from './index.js'
import type { ProcessSpec } from './index.js'

const running: SupervisedProcess[] = []
afterEach(async () => { await Promise.all(running.splice(0).map(async p => { await p.stop() })) })

async function supervise (spec: Partial<ProcessSpec> & Pick<ProcessSpec, 'command'>): Promise<SupervisedProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetd-proc-'))
  const p = new SupervisedProcess({ clock: systemClock(), logger: silentLogger.forComponent('test') }, {
    name: 'test', cwd: dir, env: { PATH: process.env.PATH ?? '' }, logPath: join(dir, 'logs', 'app.log'), restartPolicy: 'on-failure', restartBackoffMsBase: 50, stopTimeoutMs: 1_000, ...spec
  })
  running.push(p)
  return p
}

const until = async (check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> => {
  const start = Date.now()
  while (!await check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

describe('SupervisedProcess', () => {
  it('runs the command with its output in the log file, and stops it', async () => {
    const p = await supervise({ command: ['/bin/sh', '-c', 'echo hello from $PWD; exec sleep 60'] })
    const handle = await p.start()
    expect(p.status().state).toBe('running')
    await until(async () => (await readFile(p.spec.logPath, 'utf8').catch(() => '')).includes('hello from'))
    await p.stop()
    expect(p.status().state).toBe('stopped')
    expect(await processStartTicks(handle.pid)).toBeUndefined()
  })

  it('restarts a failing process with backoff and reports a crash loop with its count', async () => {
    const p = await supervise({ command: ['/bin/sh', '-c', 'exit 3'] })
    await p.start()
    await until(() => p.status().crashLoopCount >= 5)
    const status = p.status()
    expect(status.restarts).toBeGreaterThanOrEqual(4)
    expect(status.lastExit?.code).toBe(3)
  })

  it('does not restart a clean exit under on-failure, nor anything under never', async () => {
    const clean = await supervise({ command: ['/bin/sh', '-c', 'exit 0'] })
    await clean.start()
    await until(() => clean.status().state === 'exited')
    const never = await supervise({ command: ['/bin/sh', '-c', 'exit 1'], restartPolicy: 'never' })
    await never.start()
    await until(() => never.status().state === 'failed')
    expect(never.status().restarts).toBe(0)
  })

  it('says why a command cannot start', async () => {
    const p = await supervise({ command: ['/no/such/binary'], restartPolicy: 'never' })
    await expect(p.start()).rejects.toThrow(/cannot start \/no\/such\/binary: .*ENOENT/)
    expect(p.status().state).toBe('failed')
  })

  it('SIGKILLs a process that ignores SIGTERM after the stop timeout', async () => {
    const p = await supervise({ command: ['/bin/sh', '-c', "trap '' TERM; while true; do sleep 0.1; done"], stopTimeoutMs: 300 })
    const handle = await p.start()
    await new Promise(resolve => setTimeout(resolve, 200))
    await p.stop()
    expect(await processStartTicks(handle.pid)).toBeUndefined()
  })

  it('adopts a process by pid and start time, notices its death, and restarts it', async () => {
    const first = await supervise({ command: ['/bin/sleep', '60'] })
    const handle = await first.start()
    const second = await supervise({ command: ['/bin/sleep', '60'] })
    expect(await second.adopt({ pid: handle.pid, startTicks: handle.startTicks + 1 })).toBe(false)
    expect(await second.adopt(handle)).toBe(true)
    process.kill(handle.pid, 'SIGKILL')
    await until(() => second.status().restarts === 1 && second.status().state === 'running')
    expect(second.handle?.pid).not.toBe(handle.pid)
  })
})
