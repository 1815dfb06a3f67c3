import { backoffMs } from '../ports/index.js'
import {
  DIAL_BACKOFF_BASE_MS, DIAL_BACKOFF_CAP_MS, DIAL_CONCURRENCY_MAX, DIAL_TIMEOUT_MS,
  DIAL_TRACKED_PEERS_MAX, REFUSED_PEER_QUIET_MS
} from './constants.js'
import type { Logger } from '../logging/index.js'
import type { Clock, Random } from '../ports/index.js'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * Dials the peers that discovery reports (libp2p 3 only reports them) and keeps the
 * bootstrap peers connected, with per-peer backoff so a dead or hostile host is not hammered.
 * Targets are either a known peer (mDNS) or a bare address (bootstrap without a peer id);
 * a target's key is its peer id when known, so a bootstrap peer that libp2p also reports as
 * discovered is dialled once.
 */
export interface DialTarget {
  key: string
  peerId?: PeerId
  addrs: Multiaddr[]
  /** Bootstrap peers are redialled whenever they drop; discovered ones when rediscovered. */
  pinned: boolean
}

interface TargetState {
  target: DialTarget
  failures: number
  notBeforeMs: number
  dialing: boolean
}

export interface PeerDialerComponents {
  clock: Clock
  random: Random
  logger: Logger
  isConnected(target: DialTarget): boolean
  dial(target: DialTarget, signal: AbortSignal): Promise<PeerId>
  /** True when the dial failed because the peer is not a member of this fleet. */
  isRefusal(err: unknown): boolean
}

export class PeerDialer {
  private readonly targets = new Map<string, TargetState>()
  private active = 0
  private readonly controller = new AbortController()

  constructor (private readonly c: PeerDialerComponents) {}

  /** Adds or refreshes a target and dials it if due. Bounded: the oldest unpinned target goes first. */
  offer (target: DialTarget): void {
    const existing = this.targets.get(target.key)
    if (existing != null) {
      existing.target = { ...target, pinned: existing.target.pinned || target.pinned }
    } else {
      if (this.targets.size >= DIAL_TRACKED_PEERS_MAX) this.evictOne()
      this.targets.set(target.key, { target, failures: 0, notBeforeMs: 0, dialing: false })
    }
    this.pump()
  }

  /** Called on a timer and on disconnects: redial pinned targets that are due. */
  tick (): void {
    this.pump()
  }

  stop (): void {
    this.controller.abort()
  }

  private evictOne (): void {
    for (const [key, state] of this.targets) {
      if (!state.target.pinned && !state.dialing) { this.targets.delete(key); return }
    }
  }

  private pump (): void {
    if (this.controller.signal.aborted) return
    const now = this.c.clock.nowMs()
    // Map iteration order is insertion order: deterministic, fair enough for a LAN.
    for (const state of this.targets.values()) {
      if (this.active >= DIAL_CONCURRENCY_MAX) return
      if (state.dialing || now < state.notBeforeMs || this.c.isConnected(state.target)) continue
      void this.dialOne(state)
    }
  }

  private async dialOne (state: TargetState): Promise<void> {
    state.dialing = true
    this.active++
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)])
    try {
      const peer = await this.c.dial(state.target, signal)
      if (state.failures > 0) this.c.logger.info('connected to %s after %d failed attempts', peer.toString(), state.failures)
      state.failures = 0
    } catch (err) {
      if (this.controller.signal.aborted) return
      state.failures++
      const refused = this.c.isRefusal(err)
      const delay = refused ? REFUSED_PEER_QUIET_MS : backoffMs(state.failures, DIAL_BACKOFF_BASE_MS, DIAL_BACKOFF_CAP_MS, this.c.random) + DIAL_BACKOFF_BASE_MS
      state.notBeforeMs = this.c.clock.nowMs() + delay
      const level = state.failures === 1 || refused ? 'warn' : 'debug'
      this.c.logger[level]('dial %s failed (%s); %s in %ds', describeTarget(state.target), (err as Error).message,
        refused ? 'not a member of this fleet, next try' : 'retrying', Math.round(delay / 1000))
      if (!state.target.pinned && state.failures >= 5) this.targets.delete(state.target.key)
    } finally {
      state.dialing = false
      this.active--
      this.pump()
    }
  }
}

function describeTarget (target: DialTarget): string {
  return target.peerId?.toString() ?? target.addrs.map(a => a.toString()).join(',')
}
