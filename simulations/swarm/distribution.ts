/**
 * A swarm-only experiment: one seed, N fetchers on one LAN (a full mesh, as namespace hosts
 * on one bridge are), every fetcher starting at once — the setting of bench:content and
 * bench:calibrate — timed against the fluid bound.
 */
import { Simulation } from '../engine/index.js'
import { buildTopology, DEFAULT_NETWORK, Network } from '../network/index.js'
import { fluidBoundMs } from './fluid.js'
import { DEFAULT_SWARM } from './params.js'
import { ArtifactSwarm } from './swarm.js'
import type { SwarmParams } from './params.js'

export interface DistributionInit {
  seed: number
  fetchers: number
  bytes: number
  /** Every host's upload (its shaped egress), bits/s. */
  uploadBps: number
  /** Every host's download, bits/s (unshaped ingress on a bridge: the veth's speed). */
  downloadBps: number
  /** One-way latency between hosts, ms. @default 0.1 */
  latencyMs?: number
  swarm?: Partial<SwarmParams>
}

export interface DistributionResult {
  /** Start → completion of each fetcher, ms (Infinity: failed). */
  fetchMs: number[]
  allDoneMs: number
  boundMs: number
  ratio: number
  /** Bytes the seed uploaded, in artifact copies. */
  seedCopies: number
  events: number
  blocks: number
}

export async function simulateDistribution (init: DistributionInit): Promise<DistributionResult> {
  const sim = new Simulation(init.seed)
  const nodes = init.fetchers + 1
  const params = {
    ...DEFAULT_NETWORK,
    nodes,
    sites: 1,
    uploadBps: [init.uploadBps, init.uploadBps] as [number, number],
    downloadBps: [init.downloadBps, init.downloadBps] as [number, number],
    lanLatencyMs: { median: init.latencyMs ?? 0.1, sigma: 0.2 },
    coordinatorBps: init.uploadBps,
    lanPeers: 0,
    wanPeers: 0
  }
  const random = sim.random.fork()
  const topology = buildTopology(params, random)
  topology.peers = Array.from({ length: nodes }, (_, i) => Array.from({ length: nodes }, (_, j) => j).filter(j => j !== i))
  const net = new Network(sim, topology, params, random)
  const swarm = new ArtifactSwarm({ sim, net }, { ...DEFAULT_SWARM, blocksMax: Infinity, ...init.swarm })
  const shape = swarm.define('artifact', init.bytes, [0])
  const startMs = sim.nowMs
  const fetchMs: number[] = new Array<number>(init.fetchers).fill(Infinity)
  let left = init.fetchers
  for (let n = 1; n < nodes; n++) {
    swarm.fetch(n, 'artifact', (ok) => {
      if (ok) fetchMs[n - 1] = sim.nowMs - startMs
      left--
    })
  }
  await sim.run({ untilMs: startMs + 3_600_000, stop: () => left === 0 })
  const allDoneMs = Math.max(...fetchMs)
  const boundMs = fluidBoundMs({
    bytes: init.bytes,
    seedUploadBps: [init.uploadBps],
    peerUploadBps: new Array<number>(init.fetchers).fill(init.uploadBps),
    peerDownloadBps: new Array<number>(init.fetchers).fill(init.downloadBps)
  })
  return { fetchMs, allDoneMs, boundMs, ratio: allDoneMs / boundMs, seedCopies: (swarm.uploaded.get('artifact')?.[0] ?? 0) / init.bytes, events: sim.eventsRun, blocks: shape.blocks }
}
