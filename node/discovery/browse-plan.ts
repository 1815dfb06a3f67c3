/**
 * Which questions a browse round sends, from what has been heard so far: a pure planner, so
 * the round logic is tested without a socket or a clock.
 */
import { QUESTIONS_PER_ROUND_MAX, SERVICE_TYPES_QUERY } from './constants.js'
import type { RecordCache } from './record-cache.js'
import type { MdnsQuestion } from './records.js'

export interface BrowsePlanContext {
  /** Whether to ask the DNS-SD meta query (`--all`). */
  listTypes: boolean
  /** Service type FQDNs being browsed. */
  types: ReadonlySet<string>
  /** FleetD's type: @libp2p/mdns answers only a PTR question for it, so nothing more is asked. */
  fleetType: string
}

/**
 * One packet per browsed type, each with its PTR question first: @libp2p/mdns looks only at the
 * first question of a packet. Then, for instances heard without SRV/TXT (a responder that
 * sends only the PTR), those; for hosts heard without an address, A and AAAA.
 */
export function planQueries (cache: RecordCache, context: BrowsePlanContext): MdnsQuestion[][] {
  const packets: MdnsQuestion[][] = []
  if (context.listTypes) packets.push([{ name: SERVICE_TYPES_QUERY, type: 'PTR' }])
  for (const type of [...context.types].sort()) packets.push([{ name: type, type: 'PTR' }])
  const hosts = new Set<string>()
  for (const type of [...context.types].sort()) {
    if (type === context.fleetType) continue
    for (const fqdn of cache.instanceNames(type)) {
      const instance = cache.instance(type, fqdn)
      if (instance.host == null) {
        packets.push([{ name: fqdn, type: 'SRV' }, { name: fqdn, type: 'TXT' }])
      } else if (instance.addresses.length === 0 && !hosts.has(instance.host)) {
        hosts.add(instance.host)
        packets.push([{ name: instance.host, type: 'A' }, { name: instance.host, type: 'AAAA' }])
      }
    }
  }
  return packets.slice(0, QUESTIONS_PER_ROUND_MAX)
}
