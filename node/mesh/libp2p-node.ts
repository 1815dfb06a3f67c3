import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { mdns } from '@libp2p/mdns'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { LevelDatastore } from 'datastore-level'
import { createLibp2p } from 'libp2p'
import { join } from 'node:path'
import { GOSSIP_MESSAGE_BYTES_MAX, MAX_CONNECTIONS, PING_STREAMS_MAX, PING_TIMEOUT_MS_MIN, MDNS_INTERVAL_MS, MDNS_SERVICE_TAG } from './constants.js'
import type { Clock } from '../ports/index.js'
import { fleetGuard } from './fleet-guard.js'
import { fastMessageId } from './gossip-message-id.js'
import { installXSalsa20Guard } from './xsalsa20-guard.js'
import { RediscoveryFilter } from './rediscovery-filter.js'
import type { RefusalEvent } from './fleet-guard.js'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify } from '@libp2p/identify'
import type { Ping } from '@libp2p/ping'
import type { Libp2p, PeerDiscovery, PeerInfo, PrivateKey } from '@libp2p/interface'
import type { MulticastDNSComponents } from '@libp2p/mdns'
import type { Multiaddr } from '@multiformats/multiaddr'

export type FleetLibp2p = Libp2p<{ identify: Identify, ping: Ping, pubsub: GossipSub }>

export interface Libp2pOptions {
  privateKey: PrivateKey
  storageDir: string
  listen: string[]
  mdns: boolean
  fleet?: { fleetId: string, networkKey: Uint8Array }
  agentVersion: string
  clock: Clock
  onRefused(event: RefusalEvent): void
  /** Every mDNS answer, also for peers already in the peer store (libp2p's own
   * `peer:discovery` fires only for peers new to the store, so a restarted node with a
   * persisted store would never redial its LAN). */
  onDiscovered(peer: PeerInfo): void
}

/**
 * One libp2p per process (DESIGN): TCP + fleet guard (pnet) + Noise + yamux, identify, ping,
 * gossipsub, and mDNS only when asked. Later components (Helia, plans) reuse this node.
 */
export async function createFleetLibp2p (options: Libp2pOptions): Promise<{ libp2p: FleetLibp2p, datastore: LevelDatastore }> {
  installXSalsa20Guard()
  // The peer store survives restarts, so a rebooted device redials the peers it knew.
  const datastore = new LevelDatastore(join(options.storageDir, 'peerstore'))
  await datastore.open()
  // Set once libp2p exists: the filter asks it which peers are connected.
  let connected = (_peerId: string): boolean => false
  const filter = new RediscoveryFilter(options.clock, (peerId) => connected(peerId))
  const libp2p = await createLibp2p({
    start: false,
    privateKey: options.privateKey,
    datastore,
    nodeInfo: { name: 'fleet-node', version: options.agentVersion, userAgent: `fleet-node/${options.agentVersion}` },
    addresses: { listen: options.listen, announceFilter: withoutLoopbackWhenRoutable },
    transports: [tcp()],
    connectionProtector: fleetGuard({ fleet: options.fleet, onRefused: (event) => { options.onRefused(event) } }),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { maxConnections: MAX_CONNECTIONS },
    // A busy Raspberry Pi (or 20 nodes starting on two cores) can take seconds to answer a
    // ping; libp2p's 5 s floor then tears down healthy LAN links.
    connectionMonitor: { pingTimeout: { minTimeout: PING_TIMEOUT_MS_MIN } },
    peerDiscovery: options.mdns ? [observedMdns(filter, (peer) => { options.onDiscovered(peer) })] : [],
    services: {
      identify: identify(),
      // The connection monitor pings every connection every 10 s on this same protocol; with
      // libp2p's default of 2 inbound ping streams a busy peer reset the third one and the
      // monitor then aborted a healthy connection (seen with 20 namespace hosts).
      ping: ping({ maxInboundStreams: PING_STREAMS_MAX, maxOutboundStreams: PING_STREAMS_MAX, timeout: PING_TIMEOUT_MS_MIN }),
      pubsub: gossipsub({
        // A device alone on its LAN still publishes: the message waits in no queue, but the
        // local handlers run and the next heartbeat reaches peers that appear later.
        allowPublishToZeroTopicPeers: true,
        maxInboundDataLength: GOSSIP_MESSAGE_BYTES_MAX,
        // Drops a copy already seen before its signature is checked (gossip-message-id.ts says why).
        fastMsgIdFn: fastMessageId
      })
    }
  })
  connected = (peerId) => libp2p.getConnections().some(c => c.remotePeer.toString() === peerId && c.status === 'open')
  return { libp2p, datastore }
}

function observedMdns (filter: RediscoveryFilter, onDiscovered: (peer: PeerInfo) => void): (components: MulticastDNSComponents) => PeerDiscovery {
  return (components) => {
    const discovery = mdns({ serviceTag: MDNS_SERVICE_TAG, interval: MDNS_INTERVAL_MS })(components)
    // libp2p listens on this object's 'peer' events and merges each into the peer store: drop
    // the answers that change nothing before anyone sees them (RediscoveryFilter says why).
    const dispatch = discovery.dispatchEvent.bind(discovery)
    discovery.dispatchEvent = (event: Event): boolean => {
      if (event.type === 'peer') {
        const peer = (event as CustomEvent<PeerInfo>).detail
        if (!filter.admit(peer.id.toString(), peer.multiaddrs.map(a => a.toString()))) return true
        onDiscovered(peer)
      }
      return dispatch(event)
    }
    return discovery
  }
}

/**
 * Peers on the LAN cannot reach us on 127.0.0.1 — dialling a peer's loopback address reaches
 * one's own node — so loopback is announced only when it is all we have (loopback demos).
 */
export function withoutLoopbackWhenRoutable (addrs: Multiaddr[]): Multiaddr[] {
  const routable = addrs.filter(a => !isLoopback(a))
  return routable.length > 0 ? routable : addrs
}

export function isLoopback (addr: Multiaddr): boolean {
  const host = addr.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')?.value
  return host != null && (host.startsWith('127.') || host === '::1')
}
