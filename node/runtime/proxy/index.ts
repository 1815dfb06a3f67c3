/**
 * The agent-held public port of an app, forwarding to its live instance (blue-green switches).
 *
 * @example
 * ```ts
 * import { PortProxy } from './proxy/index.js'
 * const proxy = new PortProxy({ port: 8080, host: '127.0.0.1' })
 * await proxy.start()
 * proxy.setUpstream(41234)
 * await proxy.stop()
 * ```
 */
export { PortProxy } from './port-proxy.js'
export type { PortProxyInit } from './port-proxy.js'
