/**
 * The fluid-model bound of swarm distribution (Kumar & Ross; the bound BitTorrent-style
 * systems are measured against): N fetchers of an S-byte artifact cannot all finish before
 * max(S/u_seed, S/d_min, N·S/(u_seed + Σu_peers)) — the seeds must push one copy out, the
 * slowest downlink must take one in, and the fleet's total upload must carry N copies.
 * With several seeds, u_seed is their summed upload. Latency, block granularity, topology
 * (who is connected to whom) and WAN uplinks are ignored, so real and simulated times are above it.
 */
import type { FetchRecord } from './swarm.js'
import type { Topology } from '../network/index.js'

export interface FluidInput {
  bytes: number
  /** Upload of every node holding the artifact when the wave starts, bits/s. */
  seedUploadBps: readonly number[]
  peerUploadBps: readonly number[]
  peerDownloadBps: readonly number[]
}

export function fluidBoundMs (input: FluidInput): number {
  const bits = input.bytes * 8
  const seeds = input.seedUploadBps.reduce((a, b) => a + b, 0)
  const peers = input.peerUploadBps.reduce((a, b) => a + b, 0)
  const dMin = Math.min(...input.peerDownloadBps)
  const n = input.peerUploadBps.length
  if (n === 0 || seeds <= 0) return 0
  return 1_000 * Math.max(bits / seeds, bits / dMin, (n * bits) / (seeds + peers))
}

/** One wave of fetches of an artifact (a rollout phase's cohort starting together). */
export interface DistributionWave {
  key: string
  fetchers: number
  failed: number
  /** First start → last successful completion, ms. */
  distributionMs: number
  boundMs: number
  /** distributionMs / boundMs: 1.0 is the bound; BitTorrent-style systems reach 1.0–1.5. */
  ratio: number
  seeds: number
}

/** Fetches that start within this long of the previous one belong to the same wave. */
export const WAVE_GAP_MS = 20_000

/** Groups fetch records into waves and compares each with its fluid bound. */
export function distributionWaves (fetches: readonly FetchRecord[], bytesOf: (key: string) => number, topology: Topology, initialHolders: (key: string) => readonly number[]): DistributionWave[] {
  const byKey = new Map<string, FetchRecord[]>()
  for (const f of fetches) byKey.set(f.key, [...byKey.get(f.key) ?? [], f])
  const waves: DistributionWave[] = []
  for (const [key, records] of byKey) {
    // A node's first attempt only: a retry after a stall belongs to the wave it started in.
    const first = new Map<number, FetchRecord>()
    for (const r of [...records].sort((a, b) => a.startMs - b.startMs)) if (!first.has(r.node)) first.set(r.node, r)
    const sorted = [...first.values()]
    const okEnd = new Map<number, number>()
    for (const r of records) if (r.ok === true && !okEnd.has(r.node)) okEnd.set(r.node, r.endMs as number)
    let i = 0
    while (i < sorted.length) {
      let j = i + 1
      while (j < sorted.length && (sorted[j] as FetchRecord).startMs - (sorted[j - 1] as FetchRecord).startMs <= WAVE_GAP_MS) j++
      const wave = sorted.slice(i, j)
      const startMs = (wave[0] as FetchRecord).startMs
      const ends = wave.map(r => okEnd.get(r.node)).filter((e): e is number => e !== undefined)
      const seeds = [...initialHolders(key), ...[...okEnd].filter(([, end]) => end <= startMs).map(([node]) => node)]
      const boundMs = fluidBoundMs({
        bytes: bytesOf(key),
        seedUploadBps: seeds.map(n => topology.uploadBps[n] as number),
        peerUploadBps: wave.map(r => topology.uploadBps[r.node] as number),
        peerDownloadBps: wave.map(r => topology.downloadBps[r.node] as number)
      })
      const distributionMs = ends.length === 0 ? Infinity : Math.max(...ends) - startMs
      waves.push({ key, fetchers: wave.length, failed: wave.length - ends.length, distributionMs, boundMs, ratio: distributionMs / boundMs, seeds: seeds.length })
      i = j
    }
  }
  return waves
}
