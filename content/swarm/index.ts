/**
 * Swarm distribution of artifacts between fleet nodes (DESIGN.md, "Swarm distribution"):
 * peers exchange which leaves they hold, fetch the rarest first in their own order, and a
 * complete node spends its upload on blocks nobody has yet. Internal DAG nodes come from a swarm
 * peer in one message (bitswap if none has them); blocks no swarm peer offers come through
 * bitswap (content/exchange).
 *
 * @example
 * ```ts
 * import { SwarmService } from './swarm/index.js'
 * declare const components: import('./swarm/index.js').SwarmComponents
 * declare const root: import('multiformats/cid').CID
 * const swarm = new SwarmService(components)
 * await swarm.start()
 * await swarm.fetch(root, { onProgress: p => { console.log(`${p.blocksHave}/${p.blocks}`) } })
 * ```
 */
export { SwarmService } from './swarm-service.js'
export type { FetchOptions, FetchProgress, SwarmComponents } from './swarm-service.js'
export { Bitfield } from './bitfield.js'
export { blockRanks, endgamePicks, pickRequests } from './scheduler.js'
export { resolveDag, verifyBlockBytes } from './dag.js'
export { BlockIntegrityError, SwarmFetchError } from './errors.js'
export { SWARM_PROTOCOL } from './constants.js'
