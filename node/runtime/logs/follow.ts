/**
 * New lines of a log as they are written: polls the file (woken early by fs.watch where it
 * works) and survives rotation. Copy-then-truncate keeps the inode, so a rotation shows as the
 * file shrinking below the read position, or as the bytes just before it having changed; then
 * the unread rest is taken from `path.1` (the copy) and reading restarts at 0. A file replaced
 * by a new one (another inode) is read to its end first.
 */
import { watch } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { systemClock } from '../../ports/index.js'
import { FOLLOW_POLL_MS, FOLLOW_READ_BYTES_MAX, FOLLOW_SIGNATURE_BYTES, LINE_BYTES_MAX } from './constants.js'
import { LineBuffer } from './lines.js'
import type { FollowOptions } from './index.js'
import type { Clock } from '../../ports/index.js'
import type { FileHandle } from 'node:fs/promises'

interface Cursor { handle: FileHandle, ino: number, position: number, signature: Buffer }

export async function * followLog (path: string, options: FollowOptions): AsyncGenerator<string, void, undefined> {
  const { signal } = options
  const clock = options.clock ?? systemClock()
  const line = new LineBuffer()
  let cursor: Cursor | undefined
  let dirty = false
  let wake: (() => void) | undefined
  const watcher = tryWatch(dirname(path), name => { if (name === null || name === basename(path)) { dirty = true; wake?.() } })
  let fromEnd = options.fromEnd ?? true
  try {
    while (!signal.aborted) {
      const info = await stat(path).catch(() => undefined)
      if (info !== undefined && cursor?.ino !== info.ino) {
        // A new file under the name (or the first open): finish the old one, then start the new one.
        if (cursor !== undefined) { yield * drain(cursor, Infinity, line); await cursor.handle.close() }
        cursor = { handle: await open(path, 'r'), ino: info.ino, position: fromEnd ? info.size : 0, signature: Buffer.alloc(0) }
      }
      fromEnd = false
      if (cursor !== undefined && info !== undefined) {
        if (info.size < cursor.position || !(await signatureHolds(cursor.handle, cursor))) {
          yield * restOfRotated(`${path}.1`, cursor, line)
          cursor.position = 0
          cursor.signature = Buffer.alloc(0)
        }
        const before = cursor.position
        yield * drain(cursor, FOLLOW_READ_BYTES_MAX, line)
        if (cursor.position - before >= FOLLOW_READ_BYTES_MAX) continue // more to read now
      }
      if (!dirty) await sleepOrWake(clock, signal, w => { wake = w })
      dirty = false
    }
  } finally {
    watcher?.close()
    await cursor?.handle.close()
  }
}

/** Reads from the cursor to the end (at most `bytesMax`), yielding complete lines. */
async function * drain (cursor: Cursor, bytesMax: number, line: LineBuffer): AsyncGenerator<string> {
  const chunk = Buffer.alloc(Math.min(FOLLOW_READ_BYTES_MAX, 64 * 1024))
  for (let total = 0; total < bytesMax;) {
    const { bytesRead } = await cursor.handle.read(chunk, 0, chunk.length, cursor.position)
    if (bytesRead === 0) break
    const bytes = chunk.subarray(0, bytesRead)
    cursor.position += bytesRead
    total += bytesRead
    cursor.signature = Buffer.from(Buffer.concat([cursor.signature, bytes]).subarray(-FOLLOW_SIGNATURE_BYTES))
    yield * splitLines(bytes, line)
  }
}

function * splitLines (bytes: Buffer, line: LineBuffer): Generator<string> {
  let start = 0
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, start)) {
    line.add(bytes.subarray(start, i), 'end')
    yield line.take()
    start = i + 1
  }
  line.add(bytes.subarray(start), 'end')
  // A line past the limit is given out cut rather than held without bound.
  if (line.length >= LINE_BYTES_MAX) yield line.take()
}

/** True when the bytes just before the position are still those read there. */
async function signatureHolds (handle: FileHandle, cursor: Cursor): Promise<boolean> {
  const want = cursor.signature
  if (want.length === 0) return true
  const got = Buffer.alloc(want.length)
  const { bytesRead } = await handle.read(got, 0, want.length, cursor.position - want.length)
  return bytesRead === want.length && got.equals(want)
}

/** After a rotation: the bytes between our position and the truncate are in `path.1`, if it is the copy of what we read. */
async function * restOfRotated (rotated: string, cursor: Cursor, line: LineBuffer): AsyncGenerator<string> {
  const handle = await open(rotated, 'r').catch(() => undefined)
  if (handle === undefined) return
  try {
    const copy: Cursor = { handle, ino: 0, position: cursor.position, signature: cursor.signature }
    if ((await handle.stat()).size >= cursor.position && await signatureHolds(handle, copy)) yield * drain(copy, Infinity, line)
    // Otherwise several rotations passed since the last poll: what they held is in older copies.
  } finally {
    await handle.close()
  }
}

function tryWatch (dir: string, onChange: (name: string | null) => void): { close(): void } | undefined {
  try {
    const watcher = watch(dir, { persistent: false }, (_event, name) => { onChange(name) })
    watcher.on('error', () => { watcher.close() }) // polling goes on without it
    return watcher
  } catch {
    return undefined // the dir is missing or watch is unsupported: polling alone
  }
}

async function sleepOrWake (clock: Clock, signal: AbortSignal, setWake: (w: (() => void) | undefined) => void): Promise<void> {
  const stop = new AbortController()
  const onAbort = (): void => { stop.abort() }
  signal.addEventListener('abort', onAbort, { once: true })
  setWake(() => { stop.abort() })
  try {
    await clock.sleep(FOLLOW_POLL_MS, { signal: stop.signal }).catch(() => {})
  } finally {
    setWake(undefined)
    signal.removeEventListener('abort', onAbort)
  }
}
