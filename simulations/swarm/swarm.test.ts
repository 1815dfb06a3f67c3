import { describe, expect, it } from 'vitest'
import { Simulation } from '../engine/index.js'
import { buildTopology, DEFAULT_NETWORK, Network, schedulePartition } from '../network/index.js'
import { ArtifactSwarm, DEFAULT_SWARM, fluidBoundMs, simulateDistribution } from './index.js'

describe('artifact swarm', () => {
  it('distributes one seed\'s artifact to every fetcher above the fluid bound, the seed uploading little more than one copy', async () => {
    const r = await simulateDistribution({ seed: 1, fetchers: 7, bytes: 5e6, uploadBps: 10e6, downloadBps: 1e9 })
    expect(r.fetchMs.every(ms => Number.isFinite(ms))).toBe(true)
    expect(r.boundMs).toBeCloseTo(4_000, 0) // S/u_seed = 40 Mbit / 10 Mbit/s
    expect(r.allDoneMs).toBeGreaterThan(r.boundMs)
    // Peers serve each other (super-seeding, rarest first): HTTP from the seed would need 7 copies.
    expect(r.seedCopies).toBeLessThan(2)
    expect(r.ratio).toBeLessThan(2)
  })

  it('is deterministic: the same seed gives the same times', async () => {
    const a = await simulateDistribution({ seed: 5, fetchers: 5, bytes: 2e6, uploadBps: 5e6, downloadBps: 1e8 })
    const b = await simulateDistribution({ seed: 5, fetchers: 5, bytes: 2e6, uploadBps: 5e6, downloadBps: 1e8 })
    expect(a.fetchMs).toEqual(b.fetchMs)
  })

  it('computes the fluid bound max(S/u_seed, S/d_min, N·S/(u_seed + Σu_peers))', () => {
    expect(fluidBoundMs({ bytes: 1e6, seedUploadBps: [8e6], peerUploadBps: [8e6, 8e6, 8e6], peerDownloadBps: [1e9, 1e9, 1e9] })).toBeCloseTo(1_000)
    expect(fluidBoundMs({ bytes: 1e6, seedUploadBps: [80e6], peerUploadBps: [0, 0], peerDownloadBps: [1e9, 1e9] })).toBeCloseTo(200)
    expect(fluidBoundMs({ bytes: 1e6, seedUploadBps: [80e6], peerUploadBps: [80e6], peerDownloadBps: [1e6] })).toBeCloseTo(8_000)
  })

  it('fails a fetch that gets no block for the stall timeout (its only source cut off), with the reason', async () => {
    const sim = new Simulation(2)
    const params = { ...DEFAULT_NETWORK, nodes: 8, sites: 2, lanPeers: 0, wanPeers: 0 }
    const random = sim.random.fork()
    const topology = buildTopology(params, random)
    topology.peers = topology.peers.map((_, i) => i === 0 ? [1] : i === 1 ? [0] : [])
    const net = new Network(sim, topology, params, random)
    const swarm = new ArtifactSwarm({ sim, net }, { ...DEFAULT_SWARM, coordinatorIsBootstrap: false })
    swarm.define('a', 50e6, [0])
    schedulePartition(net, 1, sim.nowMs + 200, sim.nowMs + 600_000) // node 1 is in site 1
    let outcome: [boolean, string | undefined] | undefined
    swarm.fetch(1, 'a', (ok, error) => { outcome = [ok, error] })
    await sim.run({ untilMs: sim.nowMs + 200_000 })
    expect(outcome?.[0]).toBe(false)
    expect(outcome?.[1]).toMatch(/no block of a arrived for 120 s/)
    expect(swarm.holds(1, 'a')).toBe(false)
  })
})
