/**
 * `--since`: app logs are what the app printed, with no time the agent could add (the app
 * writes its file itself, so logging survives the agent). So the tail is filtered by the times
 * lines carry themselves: a line starting with an ISO-8601 time (`2026-11-25T09:40:00Z`,
 * `2026-11-25 09:40:00.123+01:00`, optionally in brackets) is dated, an undated line belongs
 * to the dated line before it (a stack trace), and lines are kept from the first one dated at
 * or after `sinceMs`. A tail with no dated line at all is kept whole when the file changed
 * since then, and dropped when it did not (its modification time is the last write).
 */
const STAMP = /^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?)/

/** The time a line starts with, in Unix ms, or undefined. A time without a zone is UTC (devices mostly run UTC). */
export function lineTimeMs (line: string): number | undefined {
  const m = STAMP.exec(line)
  if (m?.[1] == null) return undefined
  let text = m[1].replace(' ', 'T').replace(',', '.')
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(text)) text += 'Z'
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? undefined : ms
}

export function linesSince (lines: readonly string[], sinceMs: number, fileModifiedMs: number): string[] {
  let dated = false
  for (let i = 0; i < lines.length; i++) {
    const t = lineTimeMs(lines[i] ?? '')
    if (t === undefined) continue
    dated = true
    if (t >= sinceMs) return lines.slice(i)
  }
  if (dated) return []
  return fileModifiedMs >= sinceMs ? [...lines] : []
}
