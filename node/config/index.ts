/**
 * The node config file: one zod schema shared by its writer (`fleetp`, onto a card) and its
 * reader (`fleet-node join --config FILE`, or `config.json` in the storage dir).
 *
 * @example
 * ```ts
 * import { formatNodeConfig, parseNodeConfig } from './config/index.js'
 * const text = formatNodeConfig({ version: 1, name: 'pi-1', labels: { site: 'lab' } })
 * console.log(parseNodeConfig(text).name)
 * ```
 */
export {
  defaultNodeConfigPath, formatNodeConfig, NODE_CONFIG_BYTES_MAX, NODE_CONFIG_FILE, NODE_CONFIG_VERSION,
  nodeConfigSchema, parseNodeConfig, readNodeConfig, validateNodeConfig
} from './node-config.js'
export type { NodeConfig } from './node-config.js'
export { NodeConfigError } from './errors.js'
