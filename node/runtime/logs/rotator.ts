/**
 * Size-based rotation by copy-then-truncate: the live file keeps its inode, so a child writing
 * through an O_APPEND fd it got at spawn goes on writing to `path` and never needs a restart or
 * a signal. Rotated copies are `path.1` (newest) … `path.N`.
 *
 * Copy-then-truncate has one inherent window (logrotate's `copytruncate` documents it): a write
 * landing between the last read of the copy and the truncate is lost. The copy is caught up
 * with synchronous reads right before the truncate to keep that window to two system calls,
 * and `pause` (e.g. pauseProcessGroup for an app the agent started) closes it.
 */
import { ok as assert } from 'node:assert'
import { ftruncateSync, readSync, writeSync } from 'node:fs'
import { open, rename, stat } from 'node:fs/promises'
import { CHUNK_BYTES, LOG_FILE_MODE, ROTATE_INTERVAL_MS_MIN, ROTATED_FILES_MAX } from './constants.js'
import type { LogRotatorInit } from './index.js'
import type { Clock } from '../../ports/index.js'

export class LogRotator {
  readonly path: string
  private readonly bytesMax: number
  private readonly filesKept: number
  private readonly clock: Clock
  private readonly pause: LogRotatorInit['pause']
  private running: Promise<boolean> | undefined
  private loop: { controller: AbortController, done: Promise<void> } | undefined

  constructor (init: LogRotatorInit) {
    assert(Number.isSafeInteger(init.bytesMax) && init.bytesMax > 0, 'bytesMax must be a positive integer')
    assert(Number.isSafeInteger(init.filesKept) && init.filesKept >= 0 && init.filesKept <= ROTATED_FILES_MAX, `filesKept must be 0…${ROTATED_FILES_MAX}`)
    this.path = init.path
    this.bytesMax = init.bytesMax
    this.filesKept = init.filesKept
    this.clock = init.clock
    this.pause = init.pause
  }

  /** Rotates when the live file has reached bytesMax; resolves to whether it did. Concurrent calls share one check. */
  async check (): Promise<boolean> {
    this.running ??= this.checkOnce().finally(() => { this.running = undefined })
    return await this.running
  }

  /** Checks every `intervalMs` until stop(); idempotent. */
  start (intervalMs: number): void {
    assert(intervalMs >= ROTATE_INTERVAL_MS_MIN, `intervalMs must be at least ${ROTATE_INTERVAL_MS_MIN}`)
    if (this.loop !== undefined) return
    const controller = new AbortController()
    const done = (async () => {
      while (!controller.signal.aborted) {
        // A failed check (file missing, disk full) is retried next round: rotation must not stop the app.
        await this.check().catch(() => false)
        await this.clock.sleep(intervalMs, { signal: controller.signal }).catch(() => {})
      }
    })()
    this.loop = { controller, done }
  }

  /** Stops the loop and waits for a check in progress; idempotent. */
  async stop (): Promise<void> {
    const loop = this.loop
    this.loop = undefined
    if (loop === undefined) return
    loop.controller.abort()
    await loop.done
  }

  private async checkOnce (): Promise<boolean> {
    const size = await stat(this.path).then(s => s.size, () => 0)
    if (size < this.bytesMax) return false
    await this.rotate()
    return true
  }

  private async rotate (): Promise<void> {
    for (let k = this.filesKept - 1; k >= 1; k--) {
      await rename(`${this.path}.${k}`, `${this.path}.${k + 1}`).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err })
    }
    const live = await open(this.path, 'r+')
    try {
      if (this.filesKept === 0) { ftruncateSync(live.fd, 0); return } // nothing kept, nothing to lose
      const tmp = `${this.path}.1.tmp`
      const copy = await open(tmp, 'w', LOG_FILE_MODE)
      try {
        const buffer = Buffer.alloc(CHUNK_BYTES)
        // The bulk, asynchronously, up to the size seen now; what the app writes meanwhile is caught up below.
        const sizeNow = (await live.stat()).size
        let copied = 0
        while (copied < sizeNow) {
          const { bytesRead } = await live.read(buffer, 0, Math.min(CHUNK_BYTES, sizeNow - copied), copied)
          if (bytesRead === 0) break
          await copy.write(buffer, 0, bytesRead)
          copied += bytesRead
        }
        await copy.sync()
        // Renamed before the truncate: a crash in between leaves lines twice, never nowhere.
        await rename(tmp, `${this.path}.1`)
        const resume = await this.pause?.()
        try {
          copyRestAndTruncate(live.fd, copy.fd, copied, buffer)
        } finally {
          resume?.()
        }
      } finally {
        await copy.close()
      }
    } finally {
      await live.close()
    }
  }
}

/**
 * Synchronous on purpose: nothing of the agent runs between the last read and the truncate.
 * The loop ends: reads from the page cache outpace any process writing lines.
 */
function copyRestAndTruncate (liveFd: number, copyFd: number, from: number, buffer: Buffer): void {
  let position = from
  for (let n = readSync(liveFd, buffer, 0, buffer.length, position); n > 0; n = readSync(liveFd, buffer, 0, buffer.length, position)) {
    writeSync(copyFd, buffer, 0, n)
    position += n
  }
  ftruncateSync(liveFd, 0)
}
