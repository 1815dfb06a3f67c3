/**
 * The node's local status API (loopback HTTP + a per-start secret in `rpc.json`) and its client.
 *
 * @example
 * ```ts
 * import { RpcServer, rpcGet } from './rpc/index.js'
 * const server = new RpcServer('/tmp/fleetd-example', { 'GET /v1/status': () => ({ ok: true }) })
 * await server.start(0)
 * console.log(await rpcGet('/tmp/fleetd-example', '/v1/status'))
 * await server.stop()
 * ```
 */
export { RpcServer, RPC_FILE } from './rpc-server.js'
export type { RpcEndpointFile, RpcHandler, RpcRoutes } from './rpc-server.js'
export { rpcGet, rpcPost, rpcStream } from './rpc-client.js'
export { RpcListenError, RpcUnavailableError } from './errors.js'
