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
import { GOSSIP_MESSAGE_BYTES_MAX, MAX_CONNECTIONS, MDNS_INTERVAL_MS, MDNS_SERVICE_TAG } from './constants.js'
import { fleetGuard } from './fleet-guard.js'
import type { RefusalEvent } from './fleet-guard.js'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify } from '@libp2p/identify'
import type { Ping } from '@libp2p/ping'
import type { Libp2p, PeerDiscovery, PeerInfo, PrivateKey } from '@libp2p/interface'
import type { MulticastDNSComponents } from '@libp2p/mdns'

export type FleetLibp2p = Libp2p<{ identify: Identify, ping: Ping, pubsub: GossipSub }>

export interface Libp2pOptions {
  privateKey: PrivateKey
  storageDir: string
  listen: string[]
  mdns: boolean
  fleet?: { fleetId: string, networkKey: Uint8Array }
  agentVersion: string
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
  // The peer store survives restarts, so a rebooted device redials the peers it knew.
  const datastore = new LevelDatastore(join(options.storageDir, 'peerstore'))
  await datastore.open()
  const libp2p = await createLibp2p({
    start: false,
    privateKey: options.privateKey,
    datastore,
    nodeInfo: { name: 'fleet-node', version: options.agentVersion, userAgent: `fleet-node/${options.agentVersion}` },
    addresses: { listen: options.listen },
    transports: [tcp()],
    connectionProtector: fleetGuard({ fleet: options.fleet, onRefused: (event) => { options.onRefused(event) } }),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { maxConnections: MAX_CONNECTIONS },
    peerDiscovery: options.mdns ? [observedMdns((peer) => { options.onDiscovered(peer) })] : [],
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        // A device alone on its LAN still publishes: the message waits in no queue, but the
        // local handlers run and the next heartbeat reaches peers that appear later.
        allowPublishToZeroTopicPeers: true,
        maxInboundDataLength: GOSSIP_MESSAGE_BYTES_MAX
      })
    }
  })
  return { libp2p, datastore }
}

function observedMdns (onDiscovered: (peer: PeerInfo) => void): (components: MulticastDNSComponents) => PeerDiscovery {
  return (components) => {
    const discovery = mdns({ serviceTag: MDNS_SERVICE_TAG, interval: MDNS_INTERVAL_MS })(components)
    discovery.addEventListener('peer', (evt) => { onDiscovered(evt.detail) })
    return discovery
  }
}
