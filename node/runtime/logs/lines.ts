/**
 * Line assembly with a bounded line length, shared by tail (reading backwards) and follow
 * (reading forwards). Lines are split on the byte 0x0a, which never occurs inside a UTF-8
 * multi-byte character, and decoded one by one.
 */
import { LINE_BYTES_MAX } from './constants.js'

/** Marks a line that was cut to LINE_BYTES_MAX. */
export const CUT_MARK = '…'

/** Collects the bytes of one line; beyond LINE_BYTES_MAX it keeps the first bytes given and notes the cut. */
export class LineBuffer {
  private parts: Buffer[] = []
  private bytes = 0
  private cut = false

  /** Appends (forwards) or prepends (backwards) a piece of the line; the piece is copied. */
  add (piece: Buffer, where: 'end' | 'start'): void {
    if (piece.length === 0) return
    const room = LINE_BYTES_MAX - this.bytes
    if (room <= 0) { this.cut = true; return }
    // Backwards, the end of the line arrives first: keep it (the newest bytes) and cut at the start.
    const kept = piece.length <= room ? piece : where === 'end' ? piece.subarray(0, room) : piece.subarray(piece.length - room)
    if (kept.length < piece.length) this.cut = true
    if (where === 'end') this.parts.push(Buffer.from(kept))
    else this.parts.unshift(Buffer.from(kept))
    this.bytes += kept.length
  }

  get length (): number { return this.bytes }

  /** The line so far, decoded; resets the buffer. */
  take (where: 'end' | 'start' = 'end'): string {
    const text = Buffer.concat(this.parts).toString('utf8')
    const line = !this.cut ? text : where === 'end' ? text + CUT_MARK : CUT_MARK + text
    this.parts = []
    this.bytes = 0
    this.cut = false
    return line
  }
}
