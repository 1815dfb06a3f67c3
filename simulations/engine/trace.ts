/**
 * The event trace: every event the engine runs becomes a compact line `time kind node` fed to
 * an incremental sha256. Two runs with the same seed must produce the same hash (STYLE rule
 * 14); a differing hash is the first sign of hidden nondeterminism. Lines are buffered and
 * hashed in chunks, because one `update` per event would dominate a 10,000-node run.
 */
import { createHash } from 'node:crypto'
import type { Hash } from 'node:crypto'

/** Characters buffered before they are hashed. */
const TRACE_CHUNK_CHARS = 64 * 1024

export class Trace {
  private readonly hash: Hash = createHash('sha256')
  private buffer = ''
  private digest: string | undefined
  lines = 0

  append (line: string): void {
    this.buffer += line + '\n'
    this.lines++
    if (this.buffer.length >= TRACE_CHUNK_CHARS) this.flush()
  }

  /** The hash of every line so far; the trace stays open. */
  hex (): string {
    this.flush()
    this.digest ??= this.hash.copy().digest('hex')
    return this.digest
  }

  private flush (): void {
    if (this.buffer.length === 0) return
    this.hash.update(this.buffer)
    this.buffer = ''
    this.digest = undefined
  }
}
