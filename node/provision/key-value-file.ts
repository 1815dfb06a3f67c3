import { ProvisionOptionError } from './errors.js'

/**
 * In-place edits of a `KEY=value` file such as DietPi's `dietpi.txt`: only the lines of the
 * keys being set change, every comment, blank line, unknown key and the line endings stay as
 * they were. The seed's provisioner replaced the whole file and lost the image's defaults;
 * this is the fix.
 *
 * - a single value replaces the value of the first uncommented `KEY=` line;
 * - a list (keys DietPi reads repeatedly, like AUTO_SETUP_SSH_PUBKEY) adds one line per value
 *   not already present, keeping the lines already there;
 * - a key the file lacks goes after its commented example (`#KEY=...`) when there is one, else
 *   at the end under a marker comment.
 */
export function setKeys (text: string, updates: ReadonlyArray<readonly [string, string | readonly string[]]>, marker = '# Added by fleetp'): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n'
  const endsWithEol = text.endsWith('\n')
  const lines = text.split(/\r?\n/)
  if (endsWithEol) lines.pop()
  const appended: string[] = []
  for (const [key, value] of updates) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\[\d+\])?$/.test(key)) throw new Error(`setKeys: bad key ${key}`)
    const values = typeof value === 'string' ? [value] : value
    for (const v of values) {
      if (/[\r\n\0]/.test(v)) throw new ProvisionOptionError(`the value of ${key} must be one line`)
    }
    const live = lines.flatMap((l, i) => l.startsWith(`${key}=`) ? [i] : [])
    if (typeof value === 'string') {
      const first = live[0]
      if (first != null) { lines[first] = `${key}=${value}`; continue }
      insert(lines, appended, key, [`${key}=${value}`])
      continue
    }
    const present = new Set(live.map(i => (lines[i] ?? '').slice(key.length + 1)))
    const missing = values.filter(v => !present.has(v)).map(v => `${key}=${v}`)
    if (missing.length === 0) continue
    const last = live.at(-1)
    if (last != null) { lines.splice(last + 1, 0, ...missing); continue }
    insert(lines, appended, key, missing)
  }
  if (appended.length > 0) lines.push('', marker, ...appended)
  return lines.join(eol) + (endsWithEol || appended.length > 0 ? eol : '')
}

function insert (lines: string[], appended: string[], key: string, newLines: string[]): void {
  const example = lines.findIndex(l => new RegExp(`^#\\s*${key.replace(/[[\]]/g, c => `\\${c}`)}=`).test(l))
  if (example >= 0) lines.splice(example + 1, 0, ...newLines)
  else appended.push(...newLines)
}

/** Reads the uncommented values of a key (all of them, in file order). */
export function getKeys (text: string, key: string): string[] {
  return text.split(/\r?\n/).filter(l => l.startsWith(`${key}=`)).map(l => l.slice(key.length + 1))
}
