import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CUT_MARK, LINE_BYTES_MAX, LogRequestError, tailLog, TAIL_LINES_MAX } from './index.js'

let dir: string
let path: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleetd-tail-'))
  path = join(dir, 'web.log')
})
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

describe('tailLog', () => {
  it('returns the last lines of the live file, with or without a final newline', async () => {
    await writeFile(path, 'a\nb\nc\n')
    expect(await tailLog(path, 2)).toEqual(['b', 'c'])
    expect(await tailLog(path, 10)).toEqual(['a', 'b', 'c'])
    await writeFile(path, '\nb\nc (still being written)')
    expect(await tailLog(path, 10)).toEqual(['', 'b', 'c (still being written)'])
    await writeFile(path, '\n')
    expect(await tailLog(path, 10)).toEqual([''])
    expect(await tailLog(path, 0)).toEqual([])
  })

  it('continues into rotated copies, newest first, when asked', async () => {
    await writeFile(`${path}.2`, 'l1\nl2\n')
    await writeFile(`${path}.1`, 'l3\nl4\n')
    await writeFile(path, 'l5\n')
    expect(await tailLog(path, 4, { includeRotated: true })).toEqual(['l2', 'l3', 'l4', 'l5'])
    expect(await tailLog(path, 100, { includeRotated: true })).toEqual(['l1', 'l2', 'l3', 'l4', 'l5'])
    expect(await tailLog(path, 4)).toEqual(['l5'])
    await writeFile(path, '')
    expect(await tailLog(path, 1, { includeRotated: true })).toEqual(['l4'])
  })

  it('reads a large file backwards in chunks across chunk boundaries', async () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `line ${i} ${'é'.repeat(i % 7)}`)
    await writeFile(path, lines.join('\n') + '\n')
    expect(await tailLog(path, 3_000)).toEqual(lines.slice(-3_000))
  })

  it('cuts over-long lines, keeping their end, and marks the cut', async () => {
    await writeFile(path, 'short\n' + 'x'.repeat(LINE_BYTES_MAX) + 'END\nlast\n')
    const [short, long, last] = await tailLog(path, 3)
    expect([short, last]).toEqual(['short', 'last'])
    expect(long?.startsWith(CUT_MARK)).toBe(true)
    expect(long?.endsWith('xEND')).toBe(true)
    expect(long?.length).toBe(LINE_BYTES_MAX + CUT_MARK.length)
  })

  it('returns nothing for a log not written yet, and refuses absurd requests', async () => {
    expect(await tailLog(path, 10, { includeRotated: true })).toEqual([])
    await expect(tailLog(path, TAIL_LINES_MAX + 1)).rejects.toBeInstanceOf(LogRequestError)
    await expect(tailLog(path, -1)).rejects.toMatchObject({ code: 'FLEET_ERR_LOG_REQUEST' })
  })
})
