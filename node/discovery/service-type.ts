/**
 * DNS-SD service types (RFC 6763 §7): `_name._tcp` or `_name._udp`, the name letters, digits
 * and hyphens. RFC 6763 asks for at most 15 characters but devices in the wild announce longer
 * names (`_companion-link._tcp` is 14, vendors go past 15), so up to a DNS label (63) is taken.
 * Operators type types without the domain; on the wire they end in `.local`.
 */
import { LOCAL_DOMAIN } from './constants.js'

const SERVICE_TYPE = /^_([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\._(tcp|udp)$/i

/** `_ssh._tcp`, `_ssh._tcp.local` or `_ssh._tcp.local.` → `_ssh._tcp.local`; anything else → undefined. */
export function serviceTypeFqdn (value: string): string | undefined {
  const bare = value.replace(/\.$/, '').replace(new RegExp(`\\.${LOCAL_DOMAIN}$`, 'i'), '')
  if (!SERVICE_TYPE.test(bare) || /--/.test(bare)) return undefined
  return `${bare.toLowerCase()}.${LOCAL_DOMAIN}`
}

/** `_ssh._tcp.local` → `_ssh._tcp`: how types are shown. */
export function serviceTypeLabel (fqdn: string): string {
  return fqdn.replace(new RegExp(`\\.${LOCAL_DOMAIN}\\.?$`, 'i'), '')
}
