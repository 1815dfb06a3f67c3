/**
 * The gossipsub paper's simulation setting (Vyzovitis et al. 2020, 1,000 nodes, link latencies
 * 10–150 ms: every delivery under 400 ms), rebuilt on this model: every node its own site, so
 * each pair of peers gets its own latency drawn uniformly from 10–150 ms, no bandwidth limit
 * worth the name. `npm run bench:sim` prints the result beside the published bound.
 */
import { Simulation, summarize } from '../engine/index.js'
import { buildTopology, DEFAULT_NETWORK, Network } from '../network/index.js'
import { Gossip } from './gossip.js'
import { DEFAULT_GOSSIP } from './params.js'
import type { Distribution } from '../engine/index.js'
import type { Encodable, Plan } from '../../proto/index.js'

export interface ReferenceResult { nodes: number, messages: number, delivered: number, expected: number, delayMs: Distribution }

export async function gossipReference (seed: number, nodes = 1_000, messages = 10): Promise<ReferenceResult> {
  const sim = new Simulation(seed)
  const params = { ...DEFAULT_NETWORK, nodes, sites: nodes, lanPeers: 0, wanPeers: 10, wanLatencyMs: [10, 150] as [number, number], wanJitterMs: 0, uploadBps: [1e9, 1e9 + 1] as [number, number], downloadBps: [1e9, 1e9 + 1] as [number, number], siteWanBps: [1e9, 1e9 + 1] as [number, number] }
  const random = sim.random.fork()
  const net = new Network(sim, buildTopology(params, random), params, random)
  let delivered = 0
  const gossip = new Gossip(sim, net, DEFAULT_GOSSIP, sim.random.fork(), { onPlan: () => { delivered++ }, onRejected: () => {} })
  const pick = sim.random.fork()
  for (let k = 0; k < messages; k++) {
    sim.after(5_000 * (k + 1), 'publish', -1, () => {
      const plan = { deploymentId: `ref-${k}`, seq: 1 } as unknown as Encodable<Plan>
      gossip.publish(pick.int(nodes), { id: k + 1, plan, signatureValid: true, bytes: 1_000, publishedMs: sim.nowMs, origin: -1 })
    })
  }
  await sim.run({ untilMs: sim.nowMs + 5_000 * (messages + 2) })
  return { nodes, messages, delivered, expected: nodes * messages, delayMs: summarize(gossip.deliveryDelaysMs) }
}
