import { decodeFleetMessage, encodeFleetMessage, Tier, tierFromNumber, tierToNumber, WIRE_VERSION } from '../../proto/index.js'
import {
  ANNOUNCE_INTERVAL_MS_MIN, CHILDREN_PER_GATEWAY_MAX, ANNOUNCE_REFRESH_HEARTBEATS, ANNOUNCE_SETTLE_MS, LABEL_KEY_LENGTH_MAX, LABEL_VALUE_LENGTH_MAX, LABELS_MAX
} from './constants.js'
import { PresenceView } from './presence-view.js'
import type { Logger } from '../logging/index.js'
import type { Clock } from '../ports/index.js'
import type { AnnounceUpdate, HeartbeatUpdate } from './presence-view.js'
import type { GossipSub } from '@libp2p/gossipsub'

/** A device a gateway speaks for on the fleet topic (an MCU on its serial port, a LoRa end device). */
export interface ChildDescription {
  deviceId: string
  name: string
  platform: string
  /** 3 MCU or 4 sensor: receivers refuse children of other tiers. */
  tier: number
  /** What the child runs: its firmware version. */
  agentVersion: string
  labels: Record<string, string>
}

export interface SelfDescription {
  deviceId: string
  fleetId: string
  name: string
  platform: string
  tier: number
  agentVersion: string
  labels: Record<string, string>
  parent?: string
  startedMs: number
  addresses(): string[]
  connectedPeers(): number
  /** A gateway's children, announced on its behalf with `parent` = this device; absent: none. */
  children?(): ChildDescription[]
}

export interface PresenceServiceComponents {
  clock: Clock
  logger: Logger
  pubsub: Pick<GossipSub, 'subscribe' | 'unsubscribe' | 'publish' | 'addEventListener' | 'removeEventListener' | 'topicValidators'>
  self: SelfDescription
  /** A member announced itself for the first time: the mesh may connect to it (peer exchange). */
  onNewMember?(member: { deviceId: string, addresses: readonly string[] }): void
}

export interface PresenceServiceInit {
  topic: string
  heartbeatIntervalMs: number
}

/**
 * Presence on the fleet topic: one announcement at start and whenever a new member shows up
 * (rate-limited, coalesced), a small heartbeat every interval, and the resulting view of the
 * fleet. Announcements are accepted only from the peer they describe (gossipsub signs every
 * message with the sender's key), so no node can speak for another.
 */
export class PresenceService {
  readonly view: PresenceView
  private announceSeq = 0
  /**
   * Seq of child announcements. Starts at the clock's ms, not 1: receivers drop an announcement
   * whose seq is not above the last they hold for that device, and a restarted gateway would
   * otherwise stay silent for its children until its counter passed the old one.
   */
  private childSeq = 0
  private heartbeatSeq = 0
  private lastAnnounceMs = -Infinity
  private announcePending = false
  private heartbeatsSinceAnnounce = 0
  private controller?: AbortController
  private readonly onMessage = (evt: CustomEvent<{ topic: string, data: Uint8Array, from?: { toString(): string }, type: string }>): void => {
    if (evt.detail.topic !== this.init.topic || evt.detail.type !== 'signed' || evt.detail.from == null) return
    this.receive(evt.detail.from.toString(), evt.detail.data)
  }

  constructor (private readonly c: PresenceServiceComponents, private readonly init: PresenceServiceInit) {
    this.view = new PresenceView(init.heartbeatIntervalMs)
  }

  start (): void {
    if (this.controller != null) return
    this.controller = new AbortController()
    this.c.pubsub.addEventListener('message', this.onMessage)
    this.c.pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    this.c.pubsub.subscribe(this.init.topic)
    void this.heartbeatLoop(this.controller.signal)
  }

  stop (): void {
    if (this.controller == null) return
    this.controller.abort()
    this.controller = undefined
    this.c.pubsub.removeEventListener('message', this.onMessage as never)
    this.c.pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    this.c.pubsub.unsubscribe(this.init.topic)
  }

  /** Re-announce soon; bursts of joins cost one announcement per ANNOUNCE_INTERVAL_MS_MIN. */
  announceSoon (): void {
    if (this.announcePending || this.controller == null) return
    this.announcePending = true
    const signal = this.controller.signal
    const waitMs = Math.max(ANNOUNCE_SETTLE_MS, this.lastAnnounceMs + ANNOUNCE_INTERVAL_MS_MIN - this.c.clock.nowMs())
    void this.c.clock.sleep(waitMs, { signal }).then(async () => {
      this.announcePending = false
      await this.announce()
    }, () => { this.announcePending = false })
  }

  /** A member newly subscribed to the fleet topic has not heard our announcement yet. */
  private readonly onSubscriptionChange = (evt: CustomEvent<{ subscriptions: Array<{ topic: string, subscribe: boolean }> }>): void => {
    if (evt.detail.subscriptions.some(s => s.topic === this.init.topic && s.subscribe)) this.announceSoon()
  }

  private async heartbeatLoop (signal: AbortSignal): Promise<void> {
    this.childSeq = Math.max(this.childSeq, Math.floor(this.c.clock.nowMs()))
    await this.announce()
    while (!signal.aborted) {
      try {
        await this.c.clock.sleep(this.init.heartbeatIntervalMs, { signal })
      } catch {
        return
      }
      // Anti-entropy for lost gossip: every so often the heartbeat is a full announcement.
      if (++this.heartbeatsSinceAnnounce >= ANNOUNCE_REFRESH_HEARTBEATS) {
        await this.announce()
        continue
      }
      // Children have no heartbeat of their own: their announcement every period is their liveness.
      await this.announceChildren()
      await this.publish(encodeFleetMessage({
        version: WIRE_VERSION,
        heartbeat: {
          deviceId: this.c.self.deviceId,
          seq: ++this.heartbeatSeq,
          sentMs: this.c.clock.nowMs(),
          uptimeMs: this.c.clock.nowMs() - this.c.self.startedMs,
          connectedPeers: this.c.self.connectedPeers(),
          announceSeq: this.announceSeq
        }
      }))
    }
  }

  private async announce (): Promise<void> {
    this.lastAnnounceMs = this.c.clock.nowMs()
    this.heartbeatsSinceAnnounce = 0
    const s = this.c.self
    await this.publish(encodeFleetMessage({
      version: WIRE_VERSION,
      announce: {
        deviceId: s.deviceId,
        fleetId: s.fleetId,
        name: s.name,
        platform: s.platform,
        tier: tierFromNumber(s.tier) ?? Tier.TIER_UNSPECIFIED,
        agentVersion: s.agentVersion,
        labels: new Map(Object.entries(s.labels)),
        addresses: s.addresses(),
        parent: s.parent,
        seq: ++this.announceSeq,
        sentMs: this.c.clock.nowMs(),
        startedMs: s.startedMs
      }
    }))
    await this.announceChildren()
  }

  private async announceChildren (): Promise<void> {
    const s = this.c.self
    const children = s.children?.().slice(0, CHILDREN_PER_GATEWAY_MAX) ?? []
    for (const child of children) {
      await this.publish(encodeFleetMessage({
        version: WIRE_VERSION,
        announce: {
          deviceId: child.deviceId,
          fleetId: s.fleetId,
          name: child.name,
          platform: child.platform,
          tier: tierFromNumber(child.tier) ?? Tier.TIER_UNSPECIFIED,
          agentVersion: child.agentVersion,
          labels: new Map(Object.entries(child.labels)),
          addresses: [],
          parent: s.deviceId,
          seq: ++this.childSeq,
          sentMs: this.c.clock.nowMs(),
          startedMs: s.startedMs
        }
      }))
    }
  }

  private async publish (data: Uint8Array): Promise<void> {
    try {
      const result = await this.c.pubsub.publish(this.init.topic, data)
      this.c.logger.debug('presence message of %d bytes sent to %d peers', data.length, result.recipients.length)
    } catch (err) {
      this.c.logger.debug('presence publish failed: %s', (err as Error).message)
    }
  }

  /** Decodes, checks and applies one message; returns a reason when it is refused. */
  receive (from: string, data: Uint8Array): string | undefined {
    let message
    try {
      message = decodeFleetMessage(data)
    } catch (err) {
      return this.refuse(from, (err as Error).message)
    }
    const nowMs = this.c.clock.nowMs()
    if (message.announce != null) {
      const a = message.announce
      if (a.deviceId !== from) {
        // A gateway speaks for its children only: parent must be the signed sender, the tier an
        // MCU's or a sensor's, and the id not one a device announces for itself.
        if (a.parent !== from) return this.refuse(from, `announcement claims to be ${a.deviceId}`)
        const tier = tierToNumber(a.tier)
        if (tier !== 3 && tier !== 4) return this.refuse(from, `announcement of child ${a.deviceId} has tier ${tier}; a gateway speaks only for MCUs (3) and sensors (4)`)
        const known = this.view.get(a.deviceId, this.c.clock.nowMs())
        if (known?.announced === true && known.parent == null) return this.refuse(from, `announcement of child ${a.deviceId}, which is a device announcing itself`)
      }
      if (a.fleetId !== this.c.self.fleetId) return this.refuse(from, `announcement is for fleet ${a.fleetId}, this node is in ${this.c.self.fleetId}`)
      const labels = checkLabels(a.labels)
      if (typeof labels === 'string') return this.refuse(from, labels)
      const update: AnnounceUpdate = {
        deviceId: a.deviceId, name: a.name, platform: a.platform, tier: tierToNumber(a.tier), agentVersion: a.agentVersion,
        labels, addresses: a.addresses, seq: a.seq, ...(a.parent != null ? { parent: a.parent } : {})
      }
      if (this.view.applyAnnounce(update, nowMs) === 'new') {
        this.c.logger.info('fleet member %s (%s, %s) announced itself', a.deviceId, a.name, a.platform)
        this.announceSoon()
        this.c.onNewMember?.({ deviceId: a.deviceId, addresses: a.addresses })
      }
      return undefined
    }
    if (message.heartbeat != null) {
      const h = message.heartbeat
      if (h.deviceId !== from) return this.refuse(from, `heartbeat claims to be ${h.deviceId}`)
      const update: HeartbeatUpdate = {
        deviceId: h.deviceId, seq: h.seq, uptimeMs: h.uptimeMs, connectedPeers: h.connectedPeers,
        ...(h.announceSeq != null ? { announceSeq: h.announceSeq } : {})
      }
      const { missingAnnounce } = this.view.applyHeartbeat(update, nowMs)
      if (missingAnnounce) this.c.logger.debug('heartbeat from %s, whose announcement has not reached us yet', h.deviceId)
      return undefined
    }
    return this.refuse(from, 'presence message has neither an announcement nor a heartbeat')
  }

  private refuse (from: string, reason: string): string {
    this.c.logger.warn('ignored presence message from %s: %s', from, reason)
    return reason
  }
}

function checkLabels (labels: Map<string, string>): Record<string, string> | string {
  if (labels.size > LABELS_MAX) return `announcement has ${labels.size} labels, the limit is ${LABELS_MAX}`
  for (const [key, value] of labels) {
    if (key.length === 0 || key.length > LABEL_KEY_LENGTH_MAX) return `label key '${key.slice(0, 80)}' must be 1–${LABEL_KEY_LENGTH_MAX} characters`
    if (value.length > LABEL_VALUE_LENGTH_MAX) return `label ${key} is longer than ${LABEL_VALUE_LENGTH_MAX} characters`
  }
  return Object.fromEntries(labels)
}
