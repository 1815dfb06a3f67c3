/**
 * FleetD nodes from their mDNS answers. fleet-node announces through @libp2p/mdns under
 * `_fleetd._udp.local` (node/mesh MDNS_SERVICE_TAG): a PTR to a random 63-character instance
 * name, and one TXT entry `dnsaddr=<multiaddr>/p2p/<peer id>` per private address it listens
 * on. There is no SRV or A record; the peer id and addresses are all a node announces.
 */
import { CODE_P2P, multiaddr } from '@multiformats/multiaddr'
import type { CachedInstance } from './record-cache.js'

export interface FleetNodeSighting {
  /** libp2p peer id, the node's stable identity (`fleet-node status` shows the same). */
  peerId: string
  /** Announced multiaddrs without the `/p2p/<id>` suffix, sorted. */
  addresses: string[]
  /** mDNS instance names it answered under (a new random one after each restart). */
  instances: string[]
  /** TXT entries other than `dnsaddr=` (none today; shown if a later version adds some). */
  txt: Record<string, string>
}

const DNSADDR = 'dnsaddr='

/** Groups instances by peer id; an instance without a parsable `dnsaddr` with a peer id is skipped. */
export function fleetNodesOf (instances: readonly CachedInstance[]): FleetNodeSighting[] {
  const byPeer = new Map<string, { addresses: Set<string>, instances: Set<string>, txt: Record<string, string> }>()
  for (const instance of instances) {
    for (const entry of instance.txtEntries) {
      if (!entry.startsWith(DNSADDR)) continue
      const parsed = parseDnsaddr(entry.slice(DNSADDR.length))
      if (parsed == null) continue
      const node = byPeer.get(parsed.peerId) ?? { addresses: new Set(), instances: new Set(), txt: {} }
      byPeer.set(parsed.peerId, node)
      node.addresses.add(parsed.address)
      node.instances.add(instance.name)
      for (const [key, value] of Object.entries(instance.txt)) if (key.toLowerCase() !== 'dnsaddr') node.txt[key] ??= value
    }
  }
  return [...byPeer.entries()]
    .sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([peerId, n]) => ({ peerId, addresses: [...n.addresses].sort(), instances: [...n.instances].sort(), txt: n.txt }))
}

/** `/ip4/…/tcp/4710/p2p/12D3…` → its peer id and the address without it; junk → undefined. */
function parseDnsaddr (text: string): { peerId: string, address: string } | undefined {
  try {
    const ma = multiaddr(text)
    const peerId = ma.getComponents().findLast(c => c.code === CODE_P2P)?.value
    if (peerId == null) return undefined
    return { peerId, address: ma.decapsulateCode(CODE_P2P).toString() }
  } catch {
    return undefined
  }
}
