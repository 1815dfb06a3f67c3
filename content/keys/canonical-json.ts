/**
 * Canonical JSON for signed structures: object keys sorted by UTF-16 code unit, no
 * whitespace, integers only (no float formatting to disagree on), absent optional fields left
 * out. Two signers and a verifier produce the same text for the same value.
 */
export type CanonicalJsonValue = string | number | boolean | null | CanonicalJsonValue[] | { [key: string]: CanonicalJsonValue | undefined }

export function canonicalJson (value: CanonicalJsonValue): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value)
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`canonical JSON holds only safe integers, got ${value}`)
    return String(value)
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value).filter((e): e is [string, CanonicalJsonValue] => e[1] !== undefined)
  entries.sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}
