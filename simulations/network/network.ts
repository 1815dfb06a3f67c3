/**
 * A flow-level network: a message is (bytes, latency + serialization). It queues on the
 * sender's uplink (FIFO), then on its site's WAN uplink when it leaves the site, travels with
 * the drawn latency, and queues on the receiver's downlink. Loss is modelled as TCP sees it on
 * a libp2p stream — a retransmission after an RTO, not a missing message — because every
 * FleetD protocol runs over reliable streams. A message whose link is down when it is sent or
 * when it would arrive (peer offline, site cut off) is dropped, as a reset stream would be.
 */
import type { SimRandom, Simulation } from '../engine/index.js'
import type { NetworkParams, Topology } from './topology.js'

/** The smallest retransmission timeout Linux uses (TCP_RTO_MIN). */
const RTO_MIN_MS = 200

/**
 * Messages up to one MTU do not wait behind the bulk queued on a node's links: a node talks to
 * each peer over its own TCP connection, and the kernel shares the bottleneck between
 * connections, so a request or a HAVE to one peer is not stuck behind seconds of blocks queued
 * for others (with one FIFO per node, a seed's requests waited behind its whole upload backlog
 * and swarm distribution ran 4× slower than its bound). They still use their share of the link.
 */
const SMALL_MESSAGE_BYTES_MAX = 1_500

export type NetworkChange =
  | { type: 'node', node: number, online: boolean }
  | { type: 'site', site: number, cut: boolean }

export interface NetworkStats {
  messages: number
  bytes: number
  dropped: number
  retransmissions: number
}

export class Network {
  readonly online: Uint8Array
  readonly siteCut: Uint8Array
  readonly bytesSent: Float64Array
  readonly bytesReceived: Float64Array
  readonly stats: NetworkStats = { messages: 0, bytes: 0, dropped: 0, retransmissions: 0 }
  private readonly upFreeAtMs: Float64Array
  private readonly downFreeAtMs: Float64Array
  private readonly wanFreeAtMs: Float64Array
  private readonly listeners: Array<(change: NetworkChange) => void> = []
  private readonly sites: number

  constructor (readonly sim: Simulation, readonly topology: Topology, readonly params: NetworkParams, private readonly random: SimRandom) {
    const n = topology.site.length
    this.sites = topology.members.length
    this.online = new Uint8Array(n).fill(1)
    this.siteCut = new Uint8Array(this.sites)
    this.bytesSent = new Float64Array(n)
    this.bytesReceived = new Float64Array(n)
    this.upFreeAtMs = new Float64Array(n)
    this.downFreeAtMs = new Float64Array(n)
    this.wanFreeAtMs = new Float64Array(this.sites)
  }

  get size (): number { return this.online.length }

  onChange (listener: (change: NetworkChange) => void): void { this.listeners.push(listener) }

  /** Both ends online, and not separated by a cut site. */
  linkUp (a: number, b: number): boolean {
    if (this.online[a] !== 1 || this.online[b] !== 1) return false
    const sa = this.topology.site[a] as number
    const sb = this.topology.site[b] as number
    return sa === sb || (this.siteCut[sa] !== 1 && this.siteCut[sb] !== 1)
  }

  setOnline (node: number, online: boolean): void {
    if ((this.online[node] === 1) === online) return
    this.online[node] = online ? 1 : 0
    this.sim.note(`net ${online ? 'join' : 'leave'} ${node}`)
    for (const l of this.listeners) l({ type: 'node', node, online })
  }

  setSiteCut (site: number, cut: boolean): void {
    if ((this.siteCut[site] === 1) === cut) return
    this.siteCut[site] = cut ? 1 : 0
    this.sim.note(`net ${cut ? 'cut' : 'heal'} site ${site}`)
    for (const l of this.listeners) l({ type: 'site', site, cut })
  }

  /**
   * Sends `bytes` from `from` to `to`; `deliver` runs on arrival. Returns false when the link
   * is down now (the sender sees a failed dial or a reset stream at once).
   */
  send (from: number, to: number, bytes: number, kind: string, deliver: () => void): boolean {
    if (!this.linkUp(from, to)) return false
    const t = this.topology
    const now = this.sim.nowMs
    const small = bytes <= SMALL_MESSAGE_BYTES_MAX
    const upMs = (bytes * 8000) / (t.uploadBps[from] as number)
    let departed = (small ? now : Math.max(now, this.upFreeAtMs[from] as number)) + upMs
    this.upFreeAtMs[from] = Math.max(now, this.upFreeAtMs[from] as number) + upMs
    const sa = t.site[from] as number
    const sb = t.site[to] as number
    let latency: number
    if (sa === sb) {
      latency = this.random.logNormal(this.params.lanLatencyMs.median, this.params.lanLatencyMs.sigma)
    } else {
      const wanMs = (bytes * 8000) / (t.siteWanBps[sa] as number)
      this.wanFreeAtMs[sa] = Math.max(departed, this.wanFreeAtMs[sa] as number) + wanMs
      departed = small ? departed + wanMs : this.wanFreeAtMs[sa]
      latency = (t.siteLatencyMs[sa * this.sites + sb] as number) + this.random.exponential(this.params.wanJitterMs)
    }
    while (this.random.chance(this.params.loss)) {
      latency += Math.max(RTO_MIN_MS, 3 * latency)
      this.stats.retransmissions++
    }
    const arrived = departed + latency
    const downMs = (bytes * 8000) / (t.downloadBps[to] as number)
    this.downFreeAtMs[to] = Math.max(arrived, this.downFreeAtMs[to] as number) + downMs
    const done = small ? arrived + downMs : this.downFreeAtMs[to]
    this.stats.messages++
    this.stats.bytes += bytes
    this.bytesSent[from] = (this.bytesSent[from] as number) + bytes
    this.sim.at(done, kind, to, () => {
      if (!this.linkUp(from, to)) {
        this.stats.dropped++
        return
      }
      this.bytesReceived[to] = (this.bytesReceived[to] as number) + bytes
      deliver()
    })
    return true
  }

  /**
   * A small control message (a few dozen bytes) from `from` to several peers of its own site,
   * as one event: its serialization takes microseconds, so it skips the bandwidth queues, and
   * one LAN latency is drawn for all copies. Each copy still needs its link up on arrival.
   * This is what keeps the swarm's HAVE traffic affordable at 10,000 nodes.
   */
  sendLanBatch (from: number, tos: readonly number[], bytes: number, kind: string, deliver: (to: number) => void): void {
    const up = tos.filter(to => this.linkUp(from, to))
    if (up.length === 0) return
    let latency = this.random.logNormal(this.params.lanLatencyMs.median, this.params.lanLatencyMs.sigma)
    while (this.random.chance(this.params.loss)) {
      latency += Math.max(RTO_MIN_MS, 3 * latency)
      this.stats.retransmissions++
    }
    this.stats.messages += up.length
    this.stats.bytes += bytes * up.length
    this.bytesSent[from] = (this.bytesSent[from] as number) + bytes * up.length
    this.sim.after(latency, kind, from, () => {
      for (const to of up) {
        if (!this.linkUp(from, to)) { this.stats.dropped++; continue }
        this.bytesReceived[to] = (this.bytesReceived[to] as number) + bytes
        deliver(to)
      }
    })
  }
}
