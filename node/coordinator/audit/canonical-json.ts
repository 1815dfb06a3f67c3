import { ok as assert } from 'node:assert'

/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, `undefined` properties left
 * out (as JSON.stringify does), so the same entry hashes the same in every process and after a
 * round trip through the database. Numbers must be finite: NaN would serialize as `null` and
 * two different entries would hash alike.
 */
export function canonicalJson (value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value)
  if (typeof value === 'number') {
    assert(Number.isFinite(value), 'canonical JSON holds finite numbers only')
    return JSON.stringify(value)
  }
  if (Array.isArray(value)) return `[${value.map(item => canonicalJson(item)).join(',')}]`
  assert(typeof value === 'object', `canonical JSON cannot hold a ${typeof value}`)
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}
