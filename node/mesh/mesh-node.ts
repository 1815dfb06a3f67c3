import { isMembershipRefusal } from './refusal.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { HEARTBEAT_INTERVAL_MS, PEER_EXCHANGE_TARGET } from './constants.js'
import { ListenError, MeshConfigError } from './errors.js'
import { createFleetLibp2p, isLoopback } from './libp2p-node.js'
import { PeerDialer } from './peer-dialer.js'
import { PresenceService } from './presence-service.js'
import { RefusalLog } from './refusal-log.js'
import type { MeshComponents, MeshInit, MeshNode, MeshStatus } from './index.js'
import type { FleetLibp2p } from './libp2p-node.js'
import type { PresenceEntry } from './presence-view.js'
import type { Logger } from '../logging/index.js'
import type { DialTarget } from './peer-dialer.js'
import type { LevelDatastore } from 'datastore-level'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Period of the dialer's housekeeping: redial dropped bootstrap peers that are due. */
const DIAL_TICK_MS = 2_000
/** Known peers redialled at start; a LAN site's worth, not a whole fleet. */
const KNOWN_PEERS_REDIAL_MAX = 64

export class DefaultMeshNode implements MeshNode {
  private node?: FleetLibp2p
  private datastore?: LevelDatastore
  private presence?: PresenceService
  private dialer?: PeerDialer
  private tickTimer?: ReturnType<typeof setInterval>
  private readonly log: Logger
  private readonly refusals = new RefusalLog()
  private startedMs = 0

  constructor (private readonly c: MeshComponents, private readonly init: MeshInit) {
    this.log = c.logger.forComponent('fleet:mesh')
  }

  get libp2p (): FleetLibp2p {
    if (this.node == null) throw new MeshConfigError('the mesh node is not started')
    return this.node
  }

  get peerId (): string {
    return this.libp2p.peerId.toString()
  }

  async start (): Promise<void> {
    if (this.node != null) return
    const bootstrap = parseBootstrap(this.init.bootstrap ?? [])
    const listen = this.init.listen ?? []
    const { libp2p, datastore } = await createFleetLibp2p({
      privateKey: this.c.privateKey,
      storageDir: this.c.storageDir,
      listen,
      mdns: this.init.mdns ?? true,
      fleet: this.c.membership,
      agentVersion: this.c.agentVersion,
      clock: this.c.clock,
      onDiscovered: (peer) => {
        if (this.node?.peerId.equals(peer.id) === true) return
        // A LAN peer's loopback address would reach our own node.
        const addrs = peer.multiaddrs.filter(a => !isLoopback(a))
        if (addrs.length > 0) this.dialer?.offer({ key: peer.id.toString(), peerId: peer.id, addrs, pinned: false })
      },
      onRefused: (event) => {
        this.refusals.add(event, this.c.clock.nowMs())
        this.log.warn('refused %s connection %s %s: %s', event.direction, event.direction === 'inbound' ? 'from' : 'to', event.remoteAddr, event.message)
      }
    })
    this.node = libp2p
    this.datastore = datastore
    try {
      await libp2p.start()
    } catch (err) {
      await this.stop()
      const e = err as NodeJS.ErrnoException
      throw new ListenError(e.code === 'EADDRINUSE' || /EADDRINUSE/.test(e.message)
        ? `cannot listen on ${listen.join(', ')}: the address is in use; stop the other process or pass another --listen (tcp/0 picks a free port)`
        : `cannot start the mesh node on ${listen.join(', ')}: ${e.message}`, { cause: err })
    }
    this.startedMs = this.c.clock.nowMs()
    this.startDialer(libp2p, bootstrap)
    this.startPresence(libp2p)
    this.log.info('peer %s joined %s, listening on %s%s', this.peerId, this.c.membership == null ? 'no fleet (no join token)' : `fleet ${this.c.membership.fleetId}`,
      libp2p.getMultiaddrs().map(a => a.toString()).join(', '), this.init.mdns === false ? ' (mDNS off)' : ' (mDNS on)')
  }

  async stop (): Promise<void> {
    clearInterval(this.tickTimer)
    this.presence?.stop()
    this.dialer?.stop()
    await this.node?.stop()
    await this.datastore?.close()
    this.node = undefined
    this.datastore = undefined
  }

  peers (): PresenceEntry[] {
    return this.presence?.view.list(this.c.clock.nowMs()) ?? []
  }

  announceSoon (): void {
    this.presence?.announceSoon()
  }

  status (): MeshStatus {
    const node = this.libp2p
    return {
      peerId: this.peerId,
      fleetId: this.c.membership?.fleetId ?? null,
      name: this.init.name ?? '',
      agentVersion: this.c.agentVersion,
      startedMs: this.startedMs,
      mdns: this.init.mdns ?? true,
      addresses: node.getMultiaddrs().map(a => a.toString()),
      connections: node.getConnections().map(conn => ({
        peerId: conn.remotePeer.toString(),
        remoteAddr: conn.remoteAddr.toString(),
        direction: conn.direction,
        openedMs: conn.timeline.open
      })),
      peers: this.peers(),
      refusals: this.refusals.summary()
    }
  }

  private startDialer (libp2p: FleetLibp2p, bootstrap: DialTarget[]): void {
    const dialer = new PeerDialer({
      clock: this.c.clock,
      random: this.c.random,
      logger: this.log,
      isConnected: (target) => target.peerId != null && libp2p.getConnections(target.peerId).length > 0,
      dial: async (target, signal) => {
        // Dial by peer id whenever it is known: libp2p then reuses an existing connection and
        // never opens a duplicate. Dialling mDNS's bare addresses instead opened a second
        // connection to already-connected peers, and with 20 hosts the mesh churned for minutes.
        if (target.peerId == null) return (await libp2p.dial(target.addrs, { signal })).remotePeer
        if (target.addrs.length > 0) await libp2p.peerStore.merge(target.peerId, { multiaddrs: target.addrs })
        return (await libp2p.dial(target.peerId, { signal })).remotePeer
      },
      isRefusal: (err) => isMembershipRefusal(err)
    })
    this.dialer = dialer
    // Peers found by mDNS arrive through onDiscovered; peers other modules add to the store
    // (identify, a dial) arrive here.
    libp2p.addEventListener('peer:discovery', (evt) => {
      const { id, multiaddrs } = evt.detail
      if (id.equals(libp2p.peerId)) return
      dialer.offer({ key: id.toString(), peerId: id, addrs: multiaddrs, pinned: false })
    })
    void this.redialKnownPeers(libp2p, dialer)
    libp2p.addEventListener('peer:connect', (evt) => {
      this.log.info('connected to %s (%d peers)', evt.detail.toString(), libp2p.getPeers().length)
    })
    libp2p.addEventListener('peer:disconnect', (evt) => {
      this.log.info('disconnected from %s (%d peers)', evt.detail.toString(), libp2p.getPeers().length)
      dialer.tick()
    })
    for (const target of bootstrap) dialer.offer(target)
    this.tickTimer = setInterval(() => { dialer.tick() }, DIAL_TICK_MS)
    this.tickTimer.unref()
  }

  /** After a restart, the persisted peer store names the peers this device knew: try them. */
  private async redialKnownPeers (libp2p: FleetLibp2p, dialer: PeerDialer): Promise<void> {
    try {
      const known = await libp2p.peerStore.all({ limit: KNOWN_PEERS_REDIAL_MAX })
      for (const peer of known) {
        if (peer.addresses.length > 0) dialer.offer({ key: peer.id.toString(), peerId: peer.id, addrs: peer.addresses.map(a => a.multiaddr), pinned: false })
      }
    } catch (err) {
      this.log.debug('could not read the peer store: %s', (err as Error).message)
    }
  }

  /**
   * Peer exchange: a member heard of through presence (relayed by whoever we are connected to)
   * is dialed while this node has fewer than PEER_EXCHANGE_TARGET peers. Without it, nodes
   * joined by bootstrap alone (no mDNS: other networks, or --no-mdns) form a star around the
   * bootstrap node — measured with bench:plans: every device's only peer was the coordinator,
   * so nothing was relayed and the fleet depended on it.
   */
  private exchangePeer (libp2p: FleetLibp2p, member: { deviceId: string, addresses: readonly string[] }): void {
    if (member.deviceId === this.peerId || libp2p.getPeers().length >= PEER_EXCHANGE_TARGET) return
    let peerId
    try {
      peerId = peerIdFromString(member.deviceId)
    } catch {
      return
    }
    if (libp2p.getConnections(peerId).length > 0) return
    const addrs: Multiaddr[] = []
    for (const text of member.addresses) {
      try {
        addrs.push(multiaddr(text))
      } catch {}
    }
    // Loopback addresses reach the peer only when both run on one machine, as in a local demo.
    const reachable = addrs.some(a => !isLoopback(a)) ? addrs.filter(a => !isLoopback(a)) : addrs
    if (reachable.length > 0) this.dialer?.offer({ key: member.deviceId, peerId, addrs: reachable, pinned: false })
  }

  private startPresence (libp2p: FleetLibp2p): void {
    const fleetId = this.c.membership?.fleetId ?? 'no-fleet'
    this.presence = new PresenceService({
      clock: this.c.clock,
      logger: this.c.logger.forComponent('fleet:presence'),
      pubsub: libp2p.services.pubsub,
      self: {
        deviceId: this.peerId,
        fleetId,
        name: this.init.name ?? '',
        platform: this.init.platform ?? `${process.platform}/${process.arch}`,
        tier: this.init.tier ?? 1,
        agentVersion: this.c.agentVersion,
        labels: this.init.labels ?? {},
        startedMs: this.startedMs,
        addresses: () => libp2p.getMultiaddrs().map(a => a.toString()),
        connectedPeers: () => libp2p.getPeers().length,
        ...(this.init.children != null ? { children: this.init.children } : {})
      },
      onNewMember: (member) => { this.exchangePeer(libp2p, member) }
    }, { topic: presenceTopic(fleetId), heartbeatIntervalMs: this.init.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS })
    this.presence.start()
  }
}

export function presenceTopic (fleetId: string): string {
  return `/fleetd/1/${fleetId}/presence`
}

/** The guard's error may arrive wrapped by the upgrader; look one level into the cause chain. */
function parseBootstrap (addrs: string[]): DialTarget[] {
  return addrs.map(text => {
    let addr: Multiaddr
    try {
      addr = multiaddr(text)
    } catch (err) {
      throw new MeshConfigError(`bootstrap address '${text}' is not a multiaddr (expected e.g. /ip4/198.18.0.1/tcp/4710/p2p/12D3Koo…): ${(err as Error).message}`)
    }
    const peer = addr.getComponents().findLast(c => c.name === 'p2p')?.value
    return { key: peer ?? text, addrs: [addr], pinned: true, ...(peer != null ? { peerId: peerIdFromString(peer) } : {}) }
  })
}
