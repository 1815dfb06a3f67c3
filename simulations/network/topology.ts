/**
 * Who is where and how fast: sites (LANs) of nodes joined by slower WAN links, per-node
 * upload/download bandwidth, and the connections each node keeps (most within its site, a few
 * across the WAN, as mDNS plus bootstrap peers would give). Node 0 is the coordinator, in site 0.
 * Every value is drawn from the network's own PRNG stream.
 */
import type { SimRandom } from '../engine/index.js'

export interface NetworkParams {
  nodes: number
  sites: number
  /** Per-node upload, bits/s, uniform in [lo, hi). */
  uploadBps: [number, number]
  downloadBps: [number, number]
  /** Each site's WAN uplink, shared by every message leaving the site. */
  siteWanBps: [number, number]
  /** One-way LAN latency: log-normal median (ms) and shape. */
  lanLatencyMs: { median: number, sigma: number }
  /** One-way base latency between two sites, uniform in [lo, hi) ms, drawn once per pair. */
  wanLatencyMs: [number, number]
  /** Mean of the exponential jitter added to every WAN message (ms). */
  wanJitterMs: number
  /** Probability that a transmission is lost (and retransmitted by TCP after an RTO). */
  loss: number
  /**
   * Upload and download of node 0, the coordinator: a server in an office or a data centre, the
   * only holder of a new artifact when a rollout starts (its first canary devices, scattered over
   * the fleet, each pull a whole copy from it).
   */
  coordinatorBps: number
  /** Connections each node opens within its site and across sites. */
  lanPeers: number
  wanPeers: number
}

export const DEFAULT_NETWORK: Omit<NetworkParams, 'nodes'> = {
  sites: 10,
  uploadBps: [2e6, 20e6],
  downloadBps: [10e6, 100e6],
  siteWanBps: [20e6, 200e6],
  lanLatencyMs: { median: 1.5, sigma: 0.5 },
  wanLatencyMs: [10, 150],
  wanJitterMs: 5,
  loss: 0,
  coordinatorBps: 100e6,
  lanPeers: 8,
  wanPeers: 2
}

export interface Topology {
  site: Int32Array
  uploadBps: Float64Array
  downloadBps: Float64Array
  siteWanBps: Float64Array
  /** sites × sites one-way base latency (ms); 0 on the diagonal (LAN latency is drawn per message). */
  siteLatencyMs: Float64Array
  /** Connections of each node, ascending ids (deterministic iteration). */
  peers: number[][]
  /** Nodes of each site, ascending. */
  members: number[][]
}

export function buildTopology (p: NetworkParams, random: SimRandom): Topology {
  const sites = Math.max(1, Math.min(p.sites, p.nodes))
  const site = new Int32Array(p.nodes)
  // Round-robin keeps sites within one node of each other's size.
  for (let i = 0; i < p.nodes; i++) site[i] = i % sites
  const members: number[][] = Array.from({ length: sites }, () => [])
  for (let i = 0; i < p.nodes; i++) members[site[i] as number]?.push(i)
  const uploadBps = Float64Array.from({ length: p.nodes }, () => random.between(...p.uploadBps))
  const downloadBps = Float64Array.from({ length: p.nodes }, () => random.between(...p.downloadBps))
  if (p.nodes > 0) {
    uploadBps[0] = p.coordinatorBps
    downloadBps[0] = p.coordinatorBps
  }
  const siteWanBps = Float64Array.from({ length: sites }, () => random.between(...p.siteWanBps))
  const siteLatencyMs = new Float64Array(sites * sites)
  for (let a = 0; a < sites; a++) {
    for (let b = a + 1; b < sites; b++) {
      const ms = random.between(...p.wanLatencyMs)
      siteLatencyMs[a * sites + b] = ms
      siteLatencyMs[b * sites + a] = ms
    }
  }
  const edges: Array<Set<number>> = Array.from({ length: p.nodes }, () => new Set())
  const connect = (a: number, b: number): void => {
    if (a === b) return
    edges[a]?.add(b)
    edges[b]?.add(a)
  }
  for (let i = 0; i < p.nodes; i++) {
    const local = members[site[i] as number] ?? []
    for (let k = 0; k < p.lanPeers && local.length > 1; k++) connect(i, random.pick(local))
    for (let k = 0; k < p.wanPeers && sites > 1; k++) {
      const other = (site[i] as number + 1 + random.int(sites - 1)) % sites
      connect(i, random.pick(members[other] ?? []))
    }
  }
  const peers = edges.map(set => Array.from(set).sort((x, y) => x - y))
  return { site, uploadBps, downloadBps, siteWanBps, siteLatencyMs, peers, members }
}
