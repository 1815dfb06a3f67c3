/**
 * followLog against a real file: lines appended by this process and by a child writing through
 * openLogFile's fd, across copy-then-truncate rotations by LogRotator.
 */
import { spawn } from 'node:child_process'
import { closeSync } from 'node:fs'
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../ports/index.js'
import { followLog, logRotator, openLogFile, pauseProcessGroup } from './index.js'

let dir: string
let path: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleetd-follow-'))
  path = join(dir, 'web.log')
})
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

/** Collects followed lines in the background until `stop` is aborted. */
function collect (options: { fromEnd?: boolean } = {}): { lines: string[], stop: AbortController, done: Promise<void> } {
  const stop = new AbortController()
  const lines: string[] = []
  const done = (async () => { for await (const line of followLog(path, { signal: stop.signal, ...options })) lines.push(line) })()
  return { lines, stop, done }
}

async function until (check: () => boolean, timeoutMs = 5_000): Promise<void> {
  for (const start = Date.now(); !check(); await sleep(10)) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`)
  }
}

describe('followLog', () => {
  it('yields only new lines from the end, holds a partial line until it is complete, and ends on abort', async () => {
    await writeFile(path, 'old 1\nold 2\n')
    const f = collect()
    await sleep(50)
    await appendFile(path, 'new 1\nnew 2 part')
    await until(() => f.lines.length === 1)
    await appendFile(path, 'ial\n')
    await until(() => f.lines.length === 2)
    f.stop.abort()
    await f.done
    expect(f.lines).toEqual(['new 1', 'new 2 partial'])
  })

  it('starts at the beginning with fromEnd false, and waits for a file not created yet', async () => {
    const f = collect({ fromEnd: false })
    await sleep(50)
    await writeFile(path, 'first\nsecond\n')
    await until(() => f.lines.length === 2)
    f.stop.abort()
    await f.done
    expect(f.lines).toEqual(['first', 'second'])
  })

  it('survives a rotation, taking lines not yet read from the rotated copy', async () => {
    await writeFile(path, '')
    const f = collect()
    await sleep(50)
    const rotator = logRotator({ path, bytesMax: 1, filesKept: 2, clock: systemClock() })
    // Appended and rotated at once: follow sees them only in web.log.1.
    await appendFile(path, 'before rotation 1\nbefore rotation 2\n')
    await rotator.check()
    await appendFile(path, 'after rotation, and longer than everything written before it\n')
    await until(() => f.lines.length === 3)
    await rotator.check()
    await appendFile(path, 'after second\n')
    await until(() => f.lines.length === 4)
    f.stop.abort()
    await f.done
    expect(f.lines).toEqual(['before rotation 1', 'before rotation 2', 'after rotation, and longer than everything written before it', 'after second'])
  })

  it('follows a child writing through its fd while the rotator runs: every line once, in order', async () => {
    const fd = await openLogFile(path)
    const f = collect({ fromEnd: false })
    const count = 600
    const writer = "let i = 0; const t = setInterval(() => { for (let k = 0; k < 3; k++) console.log('line ' + (++i)); if (i >= 600) clearInterval(t) }, 2)"
    const child = spawn(process.execPath, ['-e', writer], { stdio: ['ignore', fd, fd], detached: true })
    closeSync(fd)
    if (child.pid === undefined) throw new Error('the writer did not start')
    // Paused for each truncate, so the file itself loses nothing (see rotator.test.ts).
    const rotator = logRotator({ path, bytesMax: 4_096, filesKept: 3, clock: systemClock(), pause: pauseProcessGroup(child.pid) })
    rotator.start(20)
    await new Promise(resolve => child.once('exit', resolve))
    await until(() => f.lines.length >= count, 10_000)
    await rotator.stop()
    f.stop.abort()
    await f.done
    expect(f.lines).toEqual(Array.from({ length: count }, (_, i) => `line ${i + 1}`))
  })
})
