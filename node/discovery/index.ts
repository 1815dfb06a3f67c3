/**
 * LAN discovery for operators: a one-shot mDNS/DNS-SD browse (RFC 6762/6763) that lists the
 * FleetD nodes announcing themselves (`_fleetd._udp.local`, as @libp2p/mdns announces them),
 * the instances of any service type (`_ssh._tcp`), or every type on the link and its instances
 * (`--all`), so a freshly flashed device is seen before it joins. Behind `fleets discover`.
 *
 * @example
 * ```ts
 * import { discovery, multicastDnsSocket } from './discovery/index.js'
 * import { systemClock } from './ports/index.js'
 *
 * // Sends multicast: run it on a LAN, or inside a test network namespace, never in a test's root namespace.
 * const lan = discovery({ timeoutMs: 3_000 })({ clock: systemClock(), openSocket: multicastDnsSocket() })
 * const { nodes, services } = await lan.browse({ kind: 'service', type: '_ssh._tcp' })
 * console.log(nodes.length, services.map(s => `${s.name} ${s.host ?? '?'}:${s.port ?? '?'}`))
 * ```
 */
import { MdnsDiscovery } from './mdns-browser.js'
import type { FleetNodeSighting } from './fleet-nodes.js'
import type { MdnsSocketFactory } from './mdns-socket.js'
import type { ServiceInstance } from './record-cache.js'
import type { AbortOptions, Clock } from '../ports/index.js'

export { DiscoverySocketError } from './errors.js'
export { multicastDnsSocket, type MdnsSocket, type MdnsSocketFactory, type MulticastDnsSocketInit } from './mdns-socket.js'
export { serviceTypeFqdn, serviceTypeLabel } from './service-type.js'
export { BROWSE_TIMEOUT_MS_DEFAULT, BROWSE_TIMEOUT_MS_MAX, BROWSE_TIMEOUT_MS_MIN } from './constants.js'
export type { FleetNodeSighting } from './fleet-nodes.js'
export type { ServiceInstance } from './record-cache.js'
export type { MdnsQuestion, MdnsResponse } from './records.js'

export interface DiscoveryInit {
  /** How long a browse listens. @default 3000 (BROWSE_TIMEOUT_MS_DEFAULT) */
  timeoutMs?: number
  /** Queries are repeated at this period while listening. @default 1000 (REQUERY_INTERVAL_MS) */
  requeryIntervalMs?: number
  /** Records kept per browse. @default 4096 (RECORDS_MAX) */
  recordsMax?: number
  /** The service tag fleet-node announces under. @default '_fleetd._udp.local' (node/mesh MDNS_SERVICE_TAG) */
  fleetServiceTag?: string
}

export interface DiscoveryComponents {
  clock: Pick<Clock, 'nowMs' | 'sleep'>
  openSocket: MdnsSocketFactory
}

/** What to browse: FleetD nodes, one service type (`_ssh._tcp`), or every type on the link. */
export type BrowseTarget = { kind: 'fleet' } | { kind: 'service', type: string } | { kind: 'all' }

export interface BrowseOptions extends AbortOptions {
  /** Overrides DiscoveryInit.timeoutMs for this browse. */
  timeoutMs?: number
}

export interface BrowseResult {
  /** Service types seen, without `.local`, sorted. With `--all`: every type announced or answered. */
  types: string[]
  /** FleetD nodes by peer id, sorted. */
  nodes: FleetNodeSighting[]
  /** Instances of the browsed types other than FleetD's, sorted by type and name. */
  services: ServiceInstance[]
  /** Records ignored because the record limit was reached: non-zero means the lists may be incomplete. */
  recordsDropped: number
}

export interface Discovery {
  browse(target: BrowseTarget, options?: BrowseOptions): Promise<BrowseResult>
}

export function discovery (init: DiscoveryInit = {}): (components: DiscoveryComponents) => Discovery {
  return (components) => new MdnsDiscovery(components, init)
}
