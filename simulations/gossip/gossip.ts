/**
 * Plan dissemination close to gossipsub v1.1: each node keeps a mesh of D peers (between Dlo
 * and Dhi) among its connections, forwards a new valid message to its mesh at once (eager
 * push), and each heartbeat tells Dlazy non-mesh peers the ids it saw recently (IHAVE); a peer
 * missing one asks for it (IWANT). Messages are validated (signature check) before they are
 * forwarded, so a forged plan dies at the first honest hop.
 *
 * Cost control, without changing behaviour: a heartbeat with nothing to gossip and a healthy
 * mesh does nothing observable, so a node's heartbeat is only scheduled while it has recent
 * messages or a mesh to repair — always on the node's own fixed phase, as if it ticked every
 * second. GRAFT/PRUNE are applied on both ends at once (they are tiny and their latency only
 * delays repair by milliseconds).
 */
import { IHAVE_BYTES_BASE, MESSAGE_ID_BYTES } from './params.js'
import type { GossipParams } from './params.js'
import type { PlanMessage, PlanSource } from './message.js'
import type { SimRandom, Simulation } from '../engine/index.js'
import type { Network, NetworkChange } from '../network/index.js'

export interface GossipHandlers {
  /** A valid plan that is news to `node` (newer than what its store held). */
  onPlan(node: number, message: PlanMessage, source: PlanSource): void
  /** A plan whose signature check failed at `node`. */
  onRejected(node: number, message: PlanMessage, source: PlanSource): void
}

export interface GossipStats {
  accepted: Record<PlanSource, number>
  duplicates: number
  stale: number
  rejected: number
  ihave: number
  iwant: number
  grafts: number
  prunes: number
}

interface Recent { id: number, atMs: number }

export class Gossip {
  readonly mesh: Array<Set<number>>
  /** Latest valid plan per deployment: what anti-entropy compares and serves. */
  readonly store: Array<Map<string, PlanMessage>>
  readonly stats: GossipStats = { accepted: { gossip: 0, sync: 0, local: 0 }, duplicates: 0, stale: 0, rejected: 0, ihave: 0, iwant: 0, grafts: 0, prunes: 0 }
  /** Publish → first acceptance by gossip, per (valid message, node), ms: what gossipsub's own simulations measure. */
  readonly deliveryDelaysMs: number[] = []
  /** Publish → acceptance by anti-entropy (a node that missed the gossip: offline, cut off), ms. */
  readonly syncDelaysMs: number[] = []
  private readonly seen: Array<Set<number>>
  private readonly recent: Recent[][]
  private readonly byId = new Map<number, PlanMessage>()
  private readonly heartbeatAt: Float64Array
  private readonly phaseMs: Float64Array
  private readonly cpuFreeAtMs: Float64Array

  constructor (readonly sim: Simulation, readonly net: Network, readonly params: GossipParams, private readonly random: SimRandom, private readonly handlers: GossipHandlers) {
    const n = net.size
    this.mesh = Array.from({ length: n }, () => new Set<number>())
    this.store = Array.from({ length: n }, () => new Map<string, PlanMessage>())
    this.seen = Array.from({ length: n }, () => new Set<number>())
    this.recent = Array.from({ length: n }, () => [])
    this.heartbeatAt = new Float64Array(n).fill(-1)
    this.phaseMs = Float64Array.from({ length: n }, () => random.float() * params.heartbeatMs)
    this.cpuFreeAtMs = new Float64Array(n)
    for (let i = 0; i < n; i++) this.repairMesh(i)
    net.onChange(change => { this.onNetworkChange(change) })
  }

  /** `origin` publishes: stored, then sent to every connected peer (floodPublish) or its mesh. */
  publish (origin: number, message: PlanMessage): void {
    this.byId.set(message.id, message)
    this.seen[origin]?.add(message.id)
    if (message.signatureValid) this.keep(origin, message, 'local')
    const targets = this.params.floodPublish ? this.net.topology.peers[origin] ?? [] : [...this.mesh[origin] ?? []]
    for (const peer of targets) this.sendMessage(origin, peer, message)
    this.remember(origin, message.id)
  }

  /**
   * The coordinator's re-gossip (RolloutEngine.regossip every 30 s): the same signed plan,
   * published again, is a new gossipsub message (its own seqno, so its own id). A peer that
   * holds the plan ignores it (PlanGossip answers "duplicate", the validator Ignore: not
   * forwarded); a peer that missed it accepts and forwards it, so it travels only into the
   * holes of the last dissemination.
   */
  republish (origin: number, message: PlanMessage, id: number): void {
    this.publish(origin, { ...message, id })
  }

  /** A plan that arrived at `node` by gossip or sync: validate (CPU), then keep and forward. */
  receive (node: number, from: number, message: PlanMessage, source: PlanSource): void {
    const seen = this.seen[node] as Set<number>
    if (source === 'gossip') {
      if (seen.has(message.id)) {
        this.stats.duplicates++
        return
      }
      seen.add(message.id)
    }
    const start = Math.max(this.sim.nowMs, this.cpuFreeAtMs[node] as number)
    this.cpuFreeAtMs[node] = start + this.params.verifyCpuMs
    this.sim.at(start + this.params.verifyCpuMs, 'verify', node, () => { this.validated(node, from, message, source) })
  }

  private validated (node: number, from: number, message: PlanMessage, source: PlanSource): void {
    if (!message.signatureValid && this.params.checkSignatures) {
      this.stats.rejected++
      this.handlers.onRejected(node, message, source)
      return
    }
    if (!this.keep(node, message, source)) return
    this.seen[node]?.add(message.id)
    if (source !== 'gossip') return
    for (const peer of this.mesh[node] ?? []) if (peer !== from && peer !== message.origin) this.sendMessage(node, peer, message)
    this.remember(node, message.id)
  }

  /** Stores a plan newer than the one held for its deployment; false when stale or held. */
  private keep (node: number, message: PlanMessage, source: PlanSource): boolean {
    const store = this.store[node] as Map<string, PlanMessage>
    const held = store.get(message.plan.deploymentId)
    if (held !== undefined && held.plan.seq >= message.plan.seq) {
      this.stats.stale++
      return false
    }
    store.set(message.plan.deploymentId, message)
    this.stats.accepted[source]++
    if (source === 'gossip') this.deliveryDelaysMs.push(this.sim.nowMs - message.publishedMs)
    if (source === 'sync') this.syncDelaysMs.push(this.sim.nowMs - message.publishedMs)
    this.handlers.onPlan(node, message, source)
    return true
  }

  private sendMessage (from: number, to: number, message: PlanMessage): void {
    this.net.send(from, to, message.bytes, 'gossip', () => { this.receive(to, from, message, 'gossip') })
  }

  private remember (node: number, id: number): void {
    this.recent[node]?.push({ id, atMs: this.sim.nowMs })
    this.wakeHeartbeat(node)
  }

  /** Schedules the node's next heartbeat on its phase, unless one is pending. */
  wakeHeartbeat (node: number): void {
    if ((this.heartbeatAt[node] as number) >= this.sim.nowMs) return
    const hb = this.params.heartbeatMs
    const phase = this.phaseMs[node] as number
    const at = phase + Math.floor((this.sim.nowMs - phase) / hb + 1) * hb
    this.heartbeatAt[node] = at
    this.sim.at(at, 'heartbeat', node, () => { this.heartbeat(node) })
  }

  private heartbeat (node: number): void {
    this.heartbeatAt[node] = -1 // this one has run: the next wake must schedule another
    if (this.net.online[node] !== 1) return
    this.repairMesh(node)
    const windowStart = this.sim.nowMs - this.params.gossipWindowHeartbeats * this.params.heartbeatMs
    const recent = (this.recent[node] as Recent[]).filter(r => r.atMs > windowStart)
    this.recent[node] = recent
    if (recent.length > 0) this.sendIhave(node, recent.map(r => r.id))
    if (recent.length > 0 || (this.mesh[node]?.size ?? 0) < this.params.Dlo) this.wakeHeartbeat(node)
  }

  private sendIhave (node: number, ids: number[]): void {
    const mesh = this.mesh[node] as Set<number>
    const others = (this.net.topology.peers[node] ?? []).filter(p => !mesh.has(p) && this.net.linkUp(node, p))
    for (const peer of this.random.sample(others, this.params.Dlazy)) {
      this.stats.ihave++
      this.net.send(node, peer, IHAVE_BYTES_BASE + MESSAGE_ID_BYTES * ids.length, 'ihave', () => {
        const wanted = ids.filter(id => !(this.seen[peer] as Set<number>).has(id))
        if (wanted.length === 0) return
        this.stats.iwant++
        this.net.send(peer, node, IHAVE_BYTES_BASE + MESSAGE_ID_BYTES * wanted.length, 'iwant', () => {
          for (const id of wanted) {
            const message = this.byId.get(id)
            if (message !== undefined) this.sendMessage(node, peer, message)
          }
        })
      })
    }
  }

  /** Drops peers whose link is down, grafts up to D when below Dlo, prunes to D above Dhi. */
  private repairMesh (node: number): void {
    const mesh = this.mesh[node] as Set<number>
    for (const peer of [...mesh]) if (!this.net.linkUp(node, peer)) this.unlink(node, peer)
    if (mesh.size < this.params.Dlo) {
      const candidates = (this.net.topology.peers[node] ?? []).filter(p => !mesh.has(p) && this.net.linkUp(node, p) && (this.mesh[p]?.size ?? 0) < this.params.Dhi)
      for (const peer of this.random.sample(candidates, this.params.D - mesh.size)) {
        mesh.add(peer)
        this.mesh[peer]?.add(node)
        this.stats.grafts++
      }
    }
    if (mesh.size > this.params.Dhi) {
      for (const peer of this.random.sample([...mesh], mesh.size - this.params.D)) {
        this.unlink(node, peer)
        this.stats.prunes++
      }
    }
  }

  private unlink (a: number, b: number): void {
    this.mesh[a]?.delete(b)
    this.mesh[b]?.delete(a)
  }

  private onNetworkChange (change: NetworkChange): void {
    const t = this.net.topology
    const affected = change.type === 'node' ? [change.node] : t.members[change.site] ?? []
    for (const node of affected) {
      // The node and its peers re-check their meshes at their next heartbeat (GRAFT on join, drop on leave).
      this.wakeHeartbeat(node)
      for (const peer of t.peers[node] ?? []) if (change.type === 'node' || t.site[peer] !== t.site[node]) this.wakeHeartbeat(peer)
    }
  }
}
