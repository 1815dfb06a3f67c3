/**
 * The running coordinator (`fleets server`): store, mesh node, registry, rollout engine, API,
 * composed and stopped in order. See coordinator-node.ts.
 *
 * @example
 * ```ts
 * import { startCoordinatorNode } from './coordinator/runtime/index.js'
 * import { silentLogger } from './logging/index.js'
 * const c = await startCoordinatorNode({
 *   dbPath: 'fleet.db', storageDir: 'fleet.db.node', apiHost: '127.0.0.1', apiPort: 0, rpcPort: 0,
 *   listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], mdns: false, logger: silentLogger
 * })
 * console.log(c.apiUrl, c.adminToken, await c.joinToken())
 * await c.stop()
 * ```
 */
export { startCoordinatorNode } from './coordinator-node.js'
export type { CoordinatorNodeOptions, RunningCoordinatorNode } from './coordinator-node.js'
