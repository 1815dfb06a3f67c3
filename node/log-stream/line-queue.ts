/**
 * The lines between a log file and a slow requester: bounded in count and bytes; when full,
 * the oldest go and are counted, so the reader learns "N lines dropped" at the point they
 * were lost, and the device's memory stays bounded whatever the app writes.
 */
export interface LineBatch { lines: string[], dropped: number }

export class LineQueue {
  private readonly lines: string[] = []
  private head = 0
  private bytes = 0
  private dropped = 0
  private waiter?: () => void

  constructor (private readonly linesMax: number, private readonly bytesMax: number) {}

  push (line: string): void {
    this.lines.push(line)
    this.bytes += Buffer.byteLength(line)
    while (this.lines.length - this.head > this.linesMax || (this.bytes > this.bytesMax && this.lines.length - this.head > 1)) {
      this.bytes -= Buffer.byteLength(this.lines[this.head] ?? '')
      this.lines[this.head++] = ''
      this.dropped++
    }
    // Compact now and then rather than shift() per line (O(n) each).
    if (this.head > 1024 && this.head * 2 > this.lines.length) { this.lines.splice(0, this.head); this.head = 0 }
    this.waiter?.()
  }

  get size (): number { return this.lines.length - this.head }

  /** Takes up to `linesMax` lines and `bytesMax` bytes (at least one line), with the count dropped before them. */
  take (linesMax: number, bytesMax: number): LineBatch {
    const out: string[] = []
    let bytes = 0
    while (this.head < this.lines.length && out.length < linesMax) {
      const line = this.lines[this.head] ?? ''
      const size = Buffer.byteLength(line)
      if (out.length > 0 && bytes + size > bytesMax) break
      out.push(line)
      bytes += size
      this.bytes -= size
      this.lines[this.head++] = ''
    }
    if (this.head === this.lines.length) { this.lines.length = 0; this.head = 0 }
    const dropped = this.dropped
    this.dropped = 0
    return { lines: out, dropped }
  }

  /** Resolves when a line is pushed (or at once if some wait), or when the signal aborts. */
  async wait (signal: AbortSignal): Promise<void> {
    if (this.size > 0 || this.dropped > 0 || signal.aborted) return
    await new Promise<void>(resolve => {
      const done = (): void => { this.waiter = undefined; signal.removeEventListener('abort', done); resolve() }
      this.waiter = done
      signal.addEventListener('abort', done, { once: true })
    })
  }
}
