/**
 * FleetD's anti-entropy (node/plans plan-sync, /fleetd/plans-sync/1.0.0): every node asks one
 * random connected peer for plans newer than the ones it holds, every SYNC_INTERVAL_MS
 * (jittered ×0.5–1), and at once when it (re)joins or its site heals — which is how a node
 * that missed gossip during a partition catches up. The answer goes through the same
 * validation and store as gossip.
 */
import { SYNC_SUMMARY_BYTES_BASE, SYNC_SUMMARY_ENTRY_BYTES } from './params.js'
import type { Gossip } from './gossip.js'
import type { PlanMessage } from './message.js'
import type { SimRandom } from '../engine/index.js'
import type { NetworkChange } from '../network/index.js'

/** After a (re)join, the first sync waits this long: connections and identify come first. */
const SYNC_ON_CONNECT_DELAY_MS = 500

export class AntiEntropy {
  syncs = 0
  syncFailures = 0
  private readonly timerAt: Float64Array

  constructor (private readonly gossip: Gossip, private readonly random: SimRandom) {
    const n = gossip.net.size
    this.timerAt = new Float64Array(n)
    for (let i = 0; i < n; i++) this.schedule(i, this.random.float() * gossip.params.syncIntervalMs)
    gossip.net.onChange(change => { this.onNetworkChange(change) })
  }

  private schedule (node: number, delayMs: number): void {
    const at = this.gossip.sim.nowMs + delayMs
    this.timerAt[node] = at
    this.gossip.sim.at(at, 'sync-timer', node, () => {
      if (this.timerAt[node] !== at) return // superseded by an earlier reschedule
      this.syncWithRandomPeer(node)
      const interval = this.gossip.params.syncIntervalMs
      this.schedule(node, interval * (0.5 + 0.5 * this.random.float()))
    })
  }

  syncWithRandomPeer (node: number): void {
    const net = this.gossip.net
    if (net.online[node] !== 1) return
    const up = (net.topology.peers[node] ?? []).filter(p => net.linkUp(node, p))
    if (up.length === 0) return
    this.syncWith(node, this.random.pick(up))
  }

  /** `node` sends its summary to `peer`; `peer` answers with every plan it holds that is newer. */
  syncWith (node: number, peer: number): void {
    const g = this.gossip
    const mine = g.store[node] as Map<string, PlanMessage>
    this.syncs++
    const summaryBytes = SYNC_SUMMARY_BYTES_BASE + SYNC_SUMMARY_ENTRY_BYTES * mine.size
    const sent = g.net.send(node, peer, summaryBytes, 'sync-ask', () => {
      const newer: PlanMessage[] = []
      for (const [deploymentId, held] of g.store[peer] ?? []) {
        if ((mine.get(deploymentId)?.plan.seq ?? 0) < held.plan.seq) newer.push(held)
      }
      const bytes = SYNC_SUMMARY_BYTES_BASE + newer.reduce((sum, m) => sum + m.bytes, 0)
      const answered = g.net.send(peer, node, bytes, 'sync-answer', () => {
        for (const message of newer) g.receive(node, peer, message, 'sync')
      })
      if (!answered) this.syncFailures++
    })
    if (!sent) this.syncFailures++
  }

  private onNetworkChange (change: NetworkChange): void {
    const net = this.gossip.net
    const t = net.topology
    if (change.type === 'node') {
      if (change.online) this.gossip.sim.after(SYNC_ON_CONNECT_DELAY_MS, 'sync-connect', change.node, () => { this.syncWithRandomPeer(change.node) })
      return
    }
    if (change.cut) return
    // A healed site: every node syncs with each peer across the healed WAN link, as new connections would trigger.
    for (const node of t.members[change.site] ?? []) {
      for (const peer of t.peers[node] ?? []) {
        if (t.site[peer] === change.site) continue
        this.gossip.sim.after(SYNC_ON_CONNECT_DELAY_MS, 'sync-connect', node, () => { this.syncWith(node, peer) })
        this.gossip.sim.after(SYNC_ON_CONNECT_DELAY_MS, 'sync-connect', peer, () => { this.syncWith(peer, node) })
      }
    }
  }
}
