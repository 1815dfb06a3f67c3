import { describe, expect, it } from 'vitest'
import { Simulation } from '../engine/index.js'
import { buildTopology, DEFAULT_NETWORK, Network, schedulePartition } from './index.js'
import type { NetworkParams } from './index.js'

function world (params: Partial<NetworkParams> = {}): { sim: Simulation, net: Network } {
  const sim = new Simulation(3)
  const p = { ...DEFAULT_NETWORK, nodes: 40, sites: 4, ...params }
  const random = sim.random.fork()
  return { sim, net: new Network(sim, buildTopology(p, random), p, random) }
}

describe('network', () => {
  it('charges serialization on the sender uplink: a big message takes bytes×8/bandwidth', async () => {
    const { sim, net } = world({ uploadBps: [1e6, 1e6 + 1], downloadBps: [1e9, 1e9 + 1] })
    let at = 0
    net.send(4, 8, 125_000, 'big', () => { at = sim.elapsedMs }) // same site (4 % 4 = 8 % 4 = 0): 1 Mbit at 1 Mbit/s (node 0, the coordinator, has a faster link)
    await sim.run({ untilMs: sim.nowMs + 10_000 })
    expect(at).toBeGreaterThan(1_000)
    expect(at).toBeLessThan(1_100)
  })

  it('drops messages across a cut site and delivers again after the heal', async () => {
    const { sim, net } = world()
    schedulePartition(net, 1, sim.nowMs + 100, sim.nowMs + 1_000)
    const delivered: string[] = []
    sim.at(sim.nowMs + 200, 'try', 0, () => { expect(net.send(0, 1, 100, 'm', () => delivered.push('cut'))).toBe(false) })
    sim.at(sim.nowMs + 200, 'try', 0, () => { net.send(0, 2, 100, 'm', () => delivered.push('other')) })
    sim.at(sim.nowMs + 1_100, 'try', 0, () => { net.send(0, 1, 100, 'm', () => delivered.push('healed')) })
    await sim.run({ untilMs: sim.nowMs + 5_000 })
    expect(delivered).toEqual(['other', 'healed'])
  })

  it('keeps connections within the site mostly, across sites a few', () => {
    const { net } = world({ nodes: 200 })
    const t = net.topology
    let lan = 0; let wan = 0
    t.peers.forEach((ps, i) => ps.forEach(p => { if (t.site[p] === t.site[i]) lan++; else wan++ }))
    expect(lan).toBeGreaterThan(2 * wan)
    expect(wan).toBeGreaterThan(0)
  })
})
