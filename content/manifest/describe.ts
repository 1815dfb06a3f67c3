/** How a wrong value is quoted in an error message: short, one line, type visible. */
const QUOTED_LENGTH_MAX = 48

export function describeValue (value: unknown): string {
  if (typeof value === 'string') {
    const quoted = JSON.stringify(value.length > QUOTED_LENGTH_MAX ? value.slice(0, QUOTED_LENGTH_MAX) : value).slice(1, -1).replaceAll("'", "\\'")
    return value.length > QUOTED_LENGTH_MAX ? `'${quoted}…' (${value.length} characters)` : `'${quoted}'`
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  if (value === null) return 'null'
  if (value === undefined) return 'nothing'
  if (Array.isArray(value)) return `a list of ${value.length}`
  if (value instanceof Uint8Array) return `${value.length} bytes`
  return `a ${typeof value}`
}
