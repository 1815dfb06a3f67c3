/**
 * The few mDNS record shapes a DNS-SD browse reads, checked on the way in: everything on the
 * LAN is untrusted input, so a record whose data has the wrong shape is dropped, never thrown on.
 */
import { TXT_ENTRIES_MAX } from './constants.js'

export type MdnsRecord =
  | { name: string, type: 'PTR', ttl: number, data: string }
  | { name: string, type: 'SRV', ttl: number, data: { target: string, port: number } }
  | { name: string, type: 'TXT', ttl: number, data: string[] }
  | { name: string, type: 'A', ttl: number, data: string }
  | { name: string, type: 'AAAA', ttl: number, data: string }

/** A received response as multicast-dns decodes it; fields are unknown until checked. */
export interface MdnsResponse {
  answers?: readonly unknown[]
  additionals?: readonly unknown[]
}

export interface MdnsQuestion {
  name: string
  type: 'PTR' | 'SRV' | 'TXT' | 'A' | 'AAAA'
}

/** One record of a decoded packet, or undefined when it is of another type or malformed. */
export function toMdnsRecord (raw: unknown): MdnsRecord | undefined {
  if (typeof raw !== 'object' || raw == null) return undefined
  const { name, type, ttl, data } = raw as Record<string, unknown>
  if (typeof name !== 'string' || name === '') return undefined
  const ttlS = typeof ttl === 'number' && Number.isFinite(ttl) && ttl >= 0 ? ttl : 120
  switch (type) {
    case 'PTR':
    case 'A':
    case 'AAAA':
      return typeof data === 'string' && data !== '' ? { name, type, ttl: ttlS, data } : undefined
    case 'SRV': {
      if (typeof data !== 'object' || data == null) return undefined
      const { target, port } = data as Record<string, unknown>
      if (typeof target !== 'string' || typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) return undefined
      return { name, type, ttl: ttlS, data: { target, port } }
    }
    case 'TXT':
      return { name, type, ttl: ttlS, data: txtStrings(data) }
    default:
      return undefined
  }
}

/** TXT data arrives as a string, a Buffer, or an array of either (one per entry). */
function txtStrings (data: unknown): string[] {
  const items = Array.isArray(data) ? data : [data]
  const out: string[] = []
  for (const item of items.slice(0, TXT_ENTRIES_MAX)) {
    const text = typeof item === 'string' ? item : item instanceof Uint8Array ? Buffer.from(item).toString('utf8') : undefined
    if (text != null && text !== '') out.push(text)
  }
  return out
}

/** DNS names compare without case and without a trailing dot. */
export function nameKey (name: string): string {
  return name.replace(/\.$/, '').toLowerCase()
}

/**
 * TXT entries as DNS-SD key/value pairs (RFC 6763 §6): the first occurrence of a key wins,
 * keys compare without case, a key without `=` is a boolean attribute (shown with value '').
 */
export function txtAttributes (entries: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  const seen = new Set<string>()
  for (const entry of entries) {
    const eq = entry.indexOf('=')
    const key = eq < 0 ? entry : entry.slice(0, eq)
    if (key === '' || seen.has(key.toLowerCase())) continue
    seen.add(key.toLowerCase())
    out[key] = eq < 0 ? '' : entry.slice(eq + 1)
  }
  return out
}
