/**
 * The network model: sites joined by WAN links, per-node bandwidth, latency, loss, partitions
 * and churn (issue [5/9]). Flow-level: a message costs serialization on the queues it crosses
 * plus a drawn latency; packets are not simulated.
 *
 * @example
 * ```ts
 * import { Simulation } from '../engine/index.js'
 * import { buildTopology, DEFAULT_NETWORK, Network } from './index.js'
 * const sim = new Simulation(1)
 * const params = { ...DEFAULT_NETWORK, nodes: 100 }
 * const random = sim.random.fork()
 * const net = new Network(sim, buildTopology(params, random), params, random)
 * net.send(0, 1, 1_000, 'hello', () => { console.log('arrived at', sim.elapsedMs) })
 * await sim.run({ untilMs: sim.nowMs + 1_000 })
 * ```
 */
export { Network } from './network.js'
export type { NetworkChange, NetworkStats } from './network.js'
export { buildTopology, DEFAULT_NETWORK } from './topology.js'
export type { NetworkParams, Topology } from './topology.js'
export { scheduleChurn, schedulePartition } from './faults.js'
export type { ChurnParams } from './faults.js'
