import { MDNS_PEERS_TRACKED_MAX, MDNS_REDISCOVERY_QUIET_MS } from './constants.js'
import type { Clock } from '../ports/index.js'

/**
 * Decides which mDNS answers are worth passing on to libp2p and the dialer.
 *
 * On a LAN of N FleetD nodes every node answers every query, and answers are multicast: each
 * node hears N answers per query interval from each of N queriers. libp2p turns every answer
 * into a peer-store merge (a LevelDB read and write, a peer record encoded); with 16 namespace
 * hosts that was most of two cores (CPU profiles of `npm run bench:content`), and artifact
 * transfers crawled. An answer changes nothing when we are connected to that peer and heard the
 * same addresses recently, so only these pass: a peer we are not connected to, a peer whose
 * addresses changed, and any peer once per MDNS_REDISCOVERY_QUIET_MS (keeps the store fresh).
 */
export class RediscoveryFilter {
  private readonly last = new Map<string, { addrs: string, atMs: number }>()

  constructor (private readonly clock: Clock, private readonly isConnected: (peerId: string) => boolean) {}

  /** True when an answer from `peerId` announcing `addrs` should be passed on. */
  admit (peerId: string, addrs: string[]): boolean {
    const now = this.clock.nowMs()
    const key = [...addrs].sort().join(' ')
    const seen = this.last.get(peerId)
    const fresh = seen != null && seen.addrs === key && now - seen.atMs < MDNS_REDISCOVERY_QUIET_MS
    if (fresh && this.isConnected(peerId)) return false
    this.last.delete(peerId)
    if (this.last.size >= MDNS_PEERS_TRACKED_MAX) {
      // Maps iterate in insertion order and every admit re-inserts: the first key is the stalest.
      const stalest = this.last.keys().next().value
      if (stalest != null) this.last.delete(stalest)
    }
    this.last.set(peerId, { addrs: key, atMs: now })
    return true
  }
}
