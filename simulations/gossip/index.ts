/**
 * The plan gossip model (issue [5/9]): a gossipsub-like mesh (D=6, 1 s heartbeat, IHAVE/IWANT
 * lazy gossip) plus FleetD's anti-entropy, carrying real plans with a simulated signature.
 *
 * @example
 * ```ts
 * import { Simulation } from '../engine/index.js'
 * import { buildTopology, DEFAULT_NETWORK, Network } from '../network/index.js'
 * import { AntiEntropy, DEFAULT_GOSSIP, Gossip } from './index.js'
 * const sim = new Simulation(1)
 * const params = { ...DEFAULT_NETWORK, nodes: 50 }
 * const net = new Network(sim, buildTopology(params, sim.random.fork()), params, sim.random.fork())
 * const gossip = new Gossip(sim, net, DEFAULT_GOSSIP, sim.random.fork(), { onPlan: () => {}, onRejected: () => {} })
 * const antiEntropy = new AntiEntropy(gossip, sim.random.fork())
 * console.log(gossip.mesh[0]?.size, antiEntropy.syncs)
 * ```
 */
export { Gossip } from './gossip.js'
export type { GossipHandlers, GossipStats } from './gossip.js'
export { AntiEntropy } from './anti-entropy.js'
export { DEFAULT_GOSSIP } from './params.js'
export type { GossipParams } from './params.js'
export type { PlanMessage, PlanSource } from './message.js'
export { gossipReference } from './reference.js'
export type { ReferenceResult } from './reference.js'
