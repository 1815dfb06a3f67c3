import { TopicValidatorResult } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { decodeSignedPlan, encodeSignedPlan } from '../../proto/index.js'
import { PLAN_SYNC_PROTOCOL, SYNC_CONCURRENT_MAX, SYNC_INBOUND_STREAMS_MAX, SYNC_INTERVAL_MS, SYNC_ROUNDS_MAX, SYNC_TIMEOUT_MS } from './constants.js'
import { PlanRejectedError } from './errors.js'
import { verifyPlan } from './plan-signing.js'
import { planDigest } from './plan-store.js'
import { answerSync, requestSync } from './plan-sync.js'
import type { PlanGossipComponents, PlanGossipInit, PlanGossipStats, PlanRejection, PlanSource, ReceivedPlan } from './index.js'
import type { PlanRejectionReason } from './errors.js'
import type { Logger } from '../logging/index.js'
import type { SignedPlan } from '../../proto/index.js'
import type { AbortOptions, IdentifyResult, PeerId, Stream } from '@libp2p/interface'

/** The gossip topic of a fleet's plans. */
export function plansTopic (fleetId: string): string {
  return `/fleetd/1/${fleetId}/plans`
}

/** Refusals that prove the sender wrong are penalised by gossipsub; the others may be honest lag or a newer trust state. */
const GOSSIP_VERDICT: Record<PlanRejectionReason, TopicValidatorResult> = {
  malformed: TopicValidatorResult.Reject,
  signature: TopicValidatorResult.Reject,
  fleet: TopicValidatorResult.Reject,
  'unknown-key': TopicValidatorResult.Ignore,
  stale: TopicValidatorResult.Ignore,
  expired: TopicValidatorResult.Ignore
}

type Outcome = 'accepted' | 'duplicate' | PlanRejection

/**
 * Plans on the mesh: gossip on the fleet's plans topic, where a topic validator verifies every
 * plan before gossipsub delivers or relays it, and anti-entropy with any peer (plan-sync.ts)
 * when a peer is identified and every `syncIntervalMs` with one random peer. Accepted plans go
 * to the store, then to `onPlan` listeners; refusals are counted and go to `onRejected`.
 */
export class PlanGossip {
  private readonly log: Logger
  private readonly topic: string
  private readonly planListeners = new Set<(event: ReceivedPlan) => void>()
  private readonly rejectionListeners = new Set<(rejection: PlanRejection) => void>()
  private readonly syncing = new Set<string>()
  private readonly counters: PlanGossipStats = { accepted: { gossip: 0, sync: 0, local: 0 }, duplicates: 0, rejected: {}, syncs: 0, syncFailures: 0 }
  private controller?: AbortController

  constructor (private readonly c: PlanGossipComponents, private readonly init: PlanGossipInit = {}) {
    this.log = c.logger.forComponent('fleet:plans')
    this.topic = plansTopic(c.fleetId)
  }

  async start (): Promise<void> {
    if (this.controller != null) return
    this.controller = new AbortController()
    const pubsub = this.c.libp2p.services.pubsub
    pubsub.topicValidators.set(this.topic, async (peer, message) => {
      const outcome = await this.receive(message.data, 'gossip', peer.toString())
      return outcome === 'accepted' ? TopicValidatorResult.Accept : outcome === 'duplicate' ? TopicValidatorResult.Ignore : GOSSIP_VERDICT[outcome.reason]
    })
    pubsub.subscribe(this.topic)
    await this.c.libp2p.handle(PLAN_SYNC_PROTOCOL, (stream) => { void this.answer(stream) }, { maxInboundStreams: SYNC_INBOUND_STREAMS_MAX })
    this.c.libp2p.addEventListener('peer:identify', this.onIdentify)
    void this.syncLoop(this.controller.signal)
  }

  async stop (): Promise<void> {
    if (this.controller == null) return
    this.controller.abort()
    this.controller = undefined
    this.c.libp2p.removeEventListener('peer:identify', this.onIdentify)
    const pubsub = this.c.libp2p.services.pubsub
    pubsub.unsubscribe(this.topic)
    pubsub.topicValidators.delete(this.topic)
    await this.c.libp2p.unhandle(PLAN_SYNC_PROTOCOL)
  }

  onPlan (listener: (event: ReceivedPlan) => void): () => void {
    this.planListeners.add(listener)
    return () => { this.planListeners.delete(listener) }
  }

  onRejected (listener: (rejection: PlanRejection) => void): () => void {
    this.rejectionListeners.add(listener)
    return () => { this.rejectionListeners.delete(listener) }
  }

  stats (): PlanGossipStats {
    return structuredClone(this.counters)
  }

  /**
   * Verifies, stores and gossips a plan this node issued (or re-gossips one it holds). Throws
   * PlanRejectedError when this node itself would refuse the plan: peers would refuse it too.
   */
  async publish (signed: SignedPlan | Uint8Array): Promise<{ recipients: number }> {
    const bytes = signed instanceof Uint8Array ? signed : encodeSignedPlan(signed)
    const outcome = await this.receive(bytes, 'local', this.c.libp2p.peerId.toString())
    if (outcome !== 'accepted' && outcome !== 'duplicate') throw new PlanRejectedError(`refusing to publish: ${outcome.message}`, outcome.reason)
    const result = await this.c.libp2p.services.pubsub.publish(this.topic, bytes)
    return { recipients: result.recipients.length }
  }

  /**
   * Asks one peer for plans newer than those held, round after round while answers bring news
   * (each answer is bounded). Returns how many plans came and how many were new.
   */
  async syncWith (peer: PeerId | string, options: AbortOptions = {}): Promise<{ received: number, accepted: number }> {
    const key = peer.toString()
    if (this.syncing.has(key) || this.syncing.size >= SYNC_CONCURRENT_MAX) return { received: 0, accepted: 0 }
    const peerId = typeof peer === 'string' ? peerIdFromString(peer) : peer
    this.syncing.add(key)
    let received = 0
    let accepted = 0
    try {
      for (let round = 0; round < SYNC_ROUNDS_MAX; round++) {
        const signal = AbortSignal.any([AbortSignal.timeout(SYNC_TIMEOUT_MS), ...(options.signal != null ? [options.signal] : [])])
        const frames = await requestSync(this.c.libp2p, peerId, this.c.store.summary(), { signal })
        let news = 0
        for (const frame of frames) if (await this.receive(frame, 'sync', key) === 'accepted') news++
        received += frames.length
        accepted += news
        if (news === 0) break
      }
      this.counters.syncs++
      if (accepted > 0) this.log.info('caught up %d plan(s) from %s', accepted, key)
      return { received, accepted }
    } catch (err) {
      this.counters.syncFailures++
      throw err
    } finally {
      this.syncing.delete(key)
    }
  }

  /** Verifies one SignedPlan from anywhere; stores and announces it when it is news. */
  private async receive (bytes: Uint8Array, source: PlanSource, from: string): Promise<Outcome> {
    let digest: string
    try {
      digest = planDigest(decodeSignedPlan(bytes).plan)
    } catch {
      // verifyPlan names the decoding problem.
      digest = ''
    }
    if (digest !== '' && this.c.store.holds(digest)) {
      this.counters.duplicates++
      return 'duplicate'
    }
    const result = await verifyPlan(bytes, {
      trustedKeys: this.c.trustedKeys(), fleetId: this.c.fleetId, lastSeq: id => this.c.store.lastSeq(id), nowMs: this.c.clock.nowMs()
    })
    if (!result.ok) {
      return this.reject({
        reason: result.reason, message: result.message, source, from, atMs: this.c.clock.nowMs(),
        ...(result.deploymentId !== undefined ? { deploymentId: result.deploymentId, seq: result.seq } : {})
      })
    }
    const { stored, written } = this.c.store.put(result.signed, result.plan)
    // A newer plan of the same deployment was stored while this one was being verified.
    if (!stored) return 'duplicate'
    written.catch((err: unknown) => { this.log.error('%s', (err as Error).message) })
    this.counters.accepted[source]++
    this.log.info('plan %s#%d accepted from %s (%s)', result.plan.deploymentId, result.plan.seq, from, source)
    const event: ReceivedPlan = { plan: result.plan, signed: result.signed, source, from }
    for (const listener of this.planListeners) {
      try { listener(event) } catch (err) { this.log.error('a plan listener failed: %s', (err as Error).message) }
    }
    return 'accepted'
  }

  private reject (rejection: PlanRejection): PlanRejection {
    this.counters.rejected[rejection.reason] = (this.counters.rejected[rejection.reason] ?? 0) + 1
    this.log.warn('refused a plan from %s (%s): %s', rejection.from, rejection.source, rejection.message)
    for (const listener of this.rejectionListeners) {
      try { listener(rejection) } catch (err) { this.log.error('a rejection listener failed: %s', (err as Error).message) }
    }
    return rejection
  }

  private async answer (stream: Stream): Promise<void> {
    try {
      const sent = await answerSync(stream, () => this.c.store.list(), () => this.c.clock.nowMs(), { signal: AbortSignal.timeout(SYNC_TIMEOUT_MS) })
      if (sent > 0) this.log.debug('sent %d plan(s) to a syncing peer', sent)
    } catch (err) {
      this.log.debug('sync answer failed: %s', (err as Error).message)
      stream.abort(err as Error)
    }
  }

  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    if (!evt.detail.protocols.includes(PLAN_SYNC_PROTOCOL)) return
    this.syncWith(evt.detail.peerId).catch((err: unknown) => { this.log.debug('sync with %s failed: %s', evt.detail.peerId.toString(), (err as Error).message) })
  }

  /** Every interval (with jitter, so a site's nodes do not sync in lockstep), one random peer. */
  private async syncLoop (signal: AbortSignal): Promise<void> {
    const intervalMs = this.init.syncIntervalMs ?? SYNC_INTERVAL_MS
    while (!signal.aborted) {
      try {
        await this.c.clock.sleep(intervalMs / 2 + (this.c.random.nextU32() / 2 ** 32) * intervalMs / 2, { signal })
      } catch {
        return
      }
      const peer = await this.randomSyncPeer()
      if (peer == null) continue
      await this.syncWith(peer, { signal }).catch((err: unknown) => { this.log.debug('periodic sync with %s failed: %s', peer.toString(), (err as Error).message) })
    }
  }

  private async randomSyncPeer (): Promise<PeerId | undefined> {
    const peers = this.c.libp2p.getPeers()
    const start = peers.length === 0 ? 0 : this.c.random.nextU32() % peers.length
    for (let i = 0; i < peers.length; i++) {
      const peer = peers[(start + i) % peers.length]
      if (peer == null) continue
      const info = await this.c.libp2p.peerStore.get(peer).catch(() => undefined)
      if (info?.protocols.includes(PLAN_SYNC_PROTOCOL) === true) return peer
    }
    return undefined
  }
}
