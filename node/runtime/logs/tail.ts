/**
 * The last lines of a log, read backwards in fixed chunks from the end of the live file and,
 * when asked, of its rotated copies: memory stays bounded by the lines returned, never by the
 * file size.
 */
import { open } from 'node:fs/promises'
import { CHUNK_BYTES, ROTATED_FILES_MAX, TAIL_BYTES_MAX, TAIL_LINES_MAX } from './constants.js'
import { LogRequestError } from './errors.js'
import { LineBuffer } from './lines.js'
import type { TailOptions } from './index.js'

export async function tailLog (path: string, lines: number, options: TailOptions = {}): Promise<string[]> {
  if (!Number.isSafeInteger(lines) || lines < 0 || lines > TAIL_LINES_MAX) {
    throw new LogRequestError(`cannot tail ${lines} lines: ask for 0 to ${TAIL_LINES_MAX}`)
  }
  const newestFirst: string[] = []
  const budget = { lines, bytes: TAIL_BYTES_MAX }
  const files = options.includeRotated === true ? [path, ...Array.from({ length: ROTATED_FILES_MAX }, (_, i) => `${path}.${i + 1}`)] : [path]
  for (const file of files) {
    if (budget.lines <= 0 || budget.bytes <= 0) break
    const found = await linesFromEnd(file, budget, newestFirst)
    // Rotated copies are numbered without gaps: the first missing one ends the list.
    if (!found && file !== path) break
  }
  return newestFirst.reverse()
}

/** Pushes up to budget.lines lines of `file`, newest first; false when the file does not exist. */
async function linesFromEnd (file: string, budget: { lines: number, bytes: number }, out: string[]): Promise<boolean> {
  const handle = await open(file, 'r').catch(() => undefined)
  if (handle === undefined) return false
  try {
    const size = (await handle.stat()).size
    if (size === 0) return true
    const line = new LineBuffer()
    const chunk = Buffer.alloc(CHUNK_BYTES)
    const emit = (): void => {
      budget.bytes -= line.length
      budget.lines--
      out.push(line.take('start'))
    }
    // A final newline ends the last line; it does not start an empty one after it.
    const last = Buffer.alloc(1)
    await handle.read(last, 0, 1, size - 1)
    let position = last[0] === 0x0a ? size - 1 : size
    while (position > 0 && budget.lines > 0 && budget.bytes > 0) {
      const length = Math.min(CHUNK_BYTES, position)
      position -= length
      await handle.read(chunk, 0, length, position)
      let end = length
      for (let i = length - 1; i >= 0 && budget.lines > 0; i--) {
        if (chunk[i] !== 0x0a) continue
        line.add(chunk.subarray(i + 1, end), 'start')
        emit()
        end = i
      }
      if (budget.lines > 0) line.add(chunk.subarray(0, end), 'start')
    }
    // What is left when the start of the file is reached is its first line.
    if (position === 0 && budget.lines > 0 && budget.bytes > 0) emit()
    return true
  } finally {
    await handle.close()
  }
}
