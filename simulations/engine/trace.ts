/**
 * The event trace: every event the engine runs (time, kind, node) and every note (a decision,
 * a fault, a violation) is fed to an incremental sha256. Two runs with the same seed must
 * produce the same hash (STYLE rule 14); a differing hash is the first sign of hidden
 * nondeterminism. Events are packed as three float64s (the kind interned in first-seen order,
 * itself deterministic) and hashed in chunks: formatting a fractional time as text for each of
 * millions of events cost more than the simulation itself.
 */
import { createHash } from 'node:crypto'
import type { Hash } from 'node:crypto'

/** Events buffered before they are hashed. */
const TRACE_CHUNK_EVENTS = 8_192

export class Trace {
  private readonly hash: Hash = createHash('sha256')
  private readonly buffer = new Float64Array(TRACE_CHUNK_EVENTS * 3)
  private used = 0
  private readonly kinds = new Map<string, number>()
  private digest: string | undefined
  lines = 0

  /** One event: virtual time (ms since the start), kind, node. */
  event (timeMs: number, kind: string, node: number): void {
    let id = this.kinds.get(kind)
    if (id === undefined) {
      id = this.kinds.size
      this.kinds.set(kind, id)
    }
    const b = this.buffer
    b[this.used++] = timeMs
    b[this.used++] = id
    b[this.used++] = node
    this.lines++
    this.digest = undefined
    if (this.used === b.length) this.flush()
  }

  /** A line of text, hashed in order with the events around it. */
  append (line: string): void {
    this.flush()
    this.hash.update(line + '\n')
    this.lines++
    this.digest = undefined
  }

  /** The hash of everything so far; the trace stays open. */
  hex (): string {
    this.flush()
    this.digest ??= this.hash.copy().digest('hex')
    return this.digest
  }

  private flush (): void {
    if (this.used === 0) return
    this.hash.update(new Uint8Array(this.buffer.buffer, 0, this.used * 8))
    this.used = 0
  }
}
