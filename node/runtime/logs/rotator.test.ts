/**
 * Rotation under a real writer: a child process prints numbered lines through the fd from
 * openLogFile while the rotator copies and truncates the file under it.
 */
import { spawn } from 'node:child_process'
import { closeSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../ports/index.js'
import { logRotator, openLogFile, pauseProcessGroup, ROTATED_FILES_MAX, tailLog } from './index.js'

/** Prints `count` numbered lines of ~100 bytes, five per millisecond, one write per line. */
const WRITER = `
const count = Number(process.argv[1]); let i = 0; const pad = 'x'.repeat(80)
const tick = () => { for (let k = 0; k < 5 && i < count; k++) process.stdout.write('line ' + String(++i).padStart(6, '0') + ' ' + pad + '\\n'); if (i < count) setTimeout(tick, 1) }
tick()`

const COUNT = 4_000
let dir: string
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'fleetd-logs-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

/** All lines of the live file and its rotated copies, oldest first. */
async function allLines (path: string): Promise<string[]> {
  const rotated = (await readdir(dir)).filter(n => /\.log\.\d+$/.test(n)).map(n => Number(n.split('.').pop())).sort((a, b) => b - a)
  const texts = await Promise.all([...rotated.map(k => `${path}.${k}`), path].map(async f => await readFile(f, 'utf8')))
  return texts.join('').split('\n').filter(l => l !== '')
}

describe('LogRotator', () => {
  /** Runs WRITER under a rotator checking every 10 ms; returns the line numbers found across all files. */
  async function writeUnderRotation (withPause: boolean): Promise<{ numbers: number[], rotations: number }> {
    const path = join(dir, 'web.log')
    const fd = await openLogFile(path)
    expect((await stat(path)).mode & 0o777).toBe(0o640)
    const child = spawn(process.execPath, ['-e', WRITER, String(COUNT)], { stdio: ['ignore', fd, fd], detached: true })
    closeSync(fd)
    const pause = withPause && child.pid !== undefined ? pauseProcessGroup(child.pid) : undefined
    const rotator = logRotator({ path, bytesMax: 16 * 1024, filesKept: ROTATED_FILES_MAX, clock: systemClock(), pause })
    rotator.start(10)
    rotator.start(10) // idempotent
    await new Promise(resolve => child.once('exit', resolve))
    await rotator.stop()
    await rotator.stop()
    const lines = await allLines(path)
    // Every line whole: rotation never splits a line the app wrote in one write.
    expect(lines.filter(l => !/^line \d{6} x{80}$/.test(l))).toEqual([])
    return { numbers: lines.map(l => Number(l.slice(5, 11))), rotations: (await readdir(dir)).filter(n => /\.log\.\d+$/.test(n)).length }
  }

  it('rotates by size while a child writes, losing no line when the writer is paused for the truncate', async () => {
    const { numbers, rotations } = await writeUnderRotation(true)
    expect(rotations).toBeGreaterThan(5)
    expect(numbers).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1))
    const last = await tailLog(join(dir, 'web.log'), 500, { includeRotated: true })
    expect(last.map(l => Number(l.slice(5, 11)))).toEqual(Array.from({ length: 500 }, (_, i) => COUNT - 499 + i))
  })

  it('without a pause, loses at most the line written in the instant of each truncate (the copytruncate window)', async () => {
    const { numbers, rotations } = await writeUnderRotation(false)
    // In order and never twice; a line can only be missing, and at most one per rotation.
    expect(numbers.every((n, i) => i === 0 || n > (numbers[i - 1] ?? 0))).toBe(true)
    expect(COUNT - numbers.length).toBeLessThanOrEqual(rotations)
    expect(numbers.at(-1)).toBe(COUNT)
  })

  it('keeps filesKept copies, newest in .1, and truncates without a copy when filesKept is 0', async () => {
    const path = join(dir, 'app.log')
    const rotator = logRotator({ path, bytesMax: 4, filesKept: 2, clock: systemClock() })
    expect(await rotator.check()).toBe(false) // no file yet
    for (const text of ['one\n', 'two\n', 'three\n']) {
      await writeFile(path, text, { flag: 'a' })
      expect(await rotator.check()).toBe(true)
    }
    expect(await readFile(path, 'utf8')).toBe('')
    expect(await readFile(`${path}.1`, 'utf8')).toBe('three\n')
    expect(await readFile(`${path}.2`, 'utf8')).toBe('two\n')
    expect((await readdir(dir)).sort()).toEqual(['app.log', 'app.log.1', 'app.log.2'])

    await writeFile(path, 'gone\n')
    await logRotator({ path, bytesMax: 1, filesKept: 0, clock: systemClock() }).check()
    expect(await readFile(path, 'utf8')).toBe('')
    expect(await readFile(`${path}.1`, 'utf8')).toBe('three\n')
  })

  it('refuses nonsensical limits as programmer errors', () => {
    expect(() => pauseProcessGroup(0)).toThrow(/process group id/)
    expect(() => logRotator({ path: 'x', bytesMax: 0, filesKept: 1, clock: systemClock() })).toThrow(/bytesMax/)
    expect(() => logRotator({ path: 'x', bytesMax: 1, filesKept: ROTATED_FILES_MAX + 1, clock: systemClock() })).toThrow(/filesKept/)
  })
})
