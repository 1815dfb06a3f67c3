/**
 * The artifact swarm model (issue [5/9]): who holds which blocks, requests and blocks over the
 * network model's per-node and WAN queues, and the real swarm's policy — per-node block order,
 * rarest first from HAVEs, super-seeding, bounded requests per peer, the endgame — by calling
 * the real scheduler (content/swarm/scheduler.ts). Distribution times are compared with the
 * fluid-model bound.
 *
 * @example
 * ```ts
 * import { simulateDistribution } from './index.js'
 * const r = await simulateDistribution({ seed: 1, fetchers: 9, bytes: 5e6, uploadBps: 10e6, downloadBps: 1e9 })
 * console.log(r.allDoneMs, r.boundMs, r.ratio)
 * ```
 */
export { ArtifactSwarm } from './swarm.js'
export type { ArtifactShape, FetchRecord, SwarmComponents, SwarmStats } from './swarm.js'
export { DEFAULT_SWARM } from './params.js'
export type { SwarmParams } from './params.js'
export { distributionWaves, fluidBoundMs, WAVE_GAP_MS } from './fluid.js'
export type { DistributionWave, FluidInput } from './fluid.js'
export { simulateDistribution } from './distribution.js'
export type { DistributionInit, DistributionResult } from './distribution.js'
