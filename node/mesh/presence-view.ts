import { HEARTBEATS_MISSED_OFFLINE, PRESENCE_PEERS_MAX } from './constants.js'

/** What this node knows of another fleet member, from its announcements and heartbeats. */
export interface PeerPresence {
  deviceId: string
  name: string
  platform: string
  tier: number
  agentVersion: string
  labels: Record<string, string>
  addresses: string[]
  parent?: string
  firstSeenMs: number
  lastSeenMs: number
  announceSeq: number
  heartbeatSeq: number
  uptimeMs: number
  connectedPeers: number
  /** True once an announcement arrived; a heartbeat alone tells only that the device exists. */
  announced: boolean
}

export interface PresenceEntry extends PeerPresence {
  status: 'online' | 'offline'
}

export interface AnnounceUpdate {
  deviceId: string
  name: string
  platform: string
  tier: number
  agentVersion: string
  labels: Record<string, string>
  addresses: string[]
  parent?: string
  seq: number
}

export interface HeartbeatUpdate {
  deviceId: string
  seq: number
  uptimeMs: number
  connectedPeers: number
  announceSeq?: number
}

/**
 * The node's bounded view of fleet presence. Pure: time comes in as arguments, so the
 * simulator can share it. Sequence numbers make replayed or reordered gossip harmless.
 */
export class PresenceView {
  private readonly peers = new Map<string, PeerPresence>()

  constructor (private readonly heartbeatIntervalMs: number, private readonly peersMax = PRESENCE_PEERS_MAX) {}

  /** Returns 'new' for a device's first announcement (even after heartbeats), 'updated', or 'stale' for an old seq. */
  applyAnnounce (update: AnnounceUpdate, nowMs: number): 'new' | 'updated' | 'stale' {
    const known = this.peers.get(update.deviceId)
    if (known?.announced === true && update.seq <= known.announceSeq) return 'stale'
    const { seq, ...fields } = update
    const entry: PeerPresence = {
      heartbeatSeq: 0, uptimeMs: 0, connectedPeers: 0, firstSeenMs: nowMs,
      ...known,
      ...fields,
      announceSeq: seq,
      lastSeenMs: nowMs,
      announced: true
    }
    this.put(entry, nowMs)
    return known?.announced === true ? 'updated' : 'new'
  }

  /** Returns whether the sender's announcement is missing here (so the caller can ask for it). */
  applyHeartbeat (update: HeartbeatUpdate, nowMs: number): { accepted: boolean, missingAnnounce: boolean } {
    const known = this.peers.get(update.deviceId)
    if (known != null && update.seq <= known.heartbeatSeq) return { accepted: false, missingAnnounce: false }
    const entry: PeerPresence = known ?? {
      deviceId: update.deviceId, name: '', platform: '', tier: 0, agentVersion: '', labels: {}, addresses: [],
      firstSeenMs: nowMs, lastSeenMs: nowMs, announceSeq: 0, heartbeatSeq: 0, uptimeMs: 0, connectedPeers: 0, announced: false
    }
    entry.heartbeatSeq = update.seq
    entry.uptimeMs = update.uptimeMs
    entry.connectedPeers = update.connectedPeers
    entry.lastSeenMs = nowMs
    this.put(entry, nowMs)
    const missingAnnounce = !entry.announced || (update.announceSeq != null && update.announceSeq > entry.announceSeq)
    return { accepted: true, missingAnnounce }
  }

  get (deviceId: string, nowMs: number): PresenceEntry | undefined {
    const entry = this.peers.get(deviceId)
    return entry == null ? undefined : this.withStatus(entry, nowMs)
  }

  list (nowMs: number): PresenceEntry[] {
    return [...this.peers.values()]
      .sort((a, b) => a.deviceId.localeCompare(b.deviceId))
      .map(entry => this.withStatus(entry, nowMs))
  }

  get size (): number {
    return this.peers.size
  }

  private withStatus (entry: PeerPresence, nowMs: number): PresenceEntry {
    const offlineAfterMs = this.heartbeatIntervalMs * HEARTBEATS_MISSED_OFFLINE
    return { ...entry, labels: { ...entry.labels }, addresses: [...entry.addresses], status: nowMs - entry.lastSeenMs > offlineAfterMs ? 'offline' : 'online' }
  }

  /** Inserts at the end (Map order = recency); at the cap, the longest-silent device is dropped. */
  private put (entry: PeerPresence, _nowMs: number): void {
    this.peers.delete(entry.deviceId)
    if (this.peers.size >= this.peersMax) {
      const oldest = this.peers.keys().next()
      if (oldest.done !== true) this.peers.delete(oldest.value)
    }
    this.peers.set(entry.deviceId, entry)
  }
}
