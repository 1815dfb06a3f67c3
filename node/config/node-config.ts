import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { NodeConfigError } from './errors.js'

/** File name of the config inside the storage dir, read by `fleet-node join` when no `--config` is given. */
export const NODE_CONFIG_FILE = 'config.json'
/** Bumped only for an incompatible change; a reader refuses versions it does not know. */
export const NODE_CONFIG_VERSION = 1
/** A config is a few hundred bytes; anything this big is the wrong file. */
export const NODE_CONFIG_BYTES_MAX = 64 * 1024

const labelKey = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/, 'a label key is 1-63 letters, digits, . _ / -')

/**
 * The one schema of a node's config: `fleetp` writes it onto a card, `fleet-node join` reads it.
 * Every field mirrors a `join` flag; flags win over the file. The token itself is not in
 * here but in `tokenFile` (0600 on the device), so the config can be shown and shared.
 */
export const nodeConfigSchema = z.strictObject({
  version: z.literal(NODE_CONFIG_VERSION),
  /** Device name (join --name). */
  name: z.string().min(1).max(63).optional(),
  /** Device labels (join --label). */
  labels: z.record(labelKey, z.string().max(256)).optional(),
  /** File holding the join token (join --token-file). */
  tokenFile: z.string().min(1).optional(),
  /** Multiaddrs to listen on (join --listen). */
  listen: z.array(z.string().startsWith('/')).min(1).optional(),
  /** Peers to keep connected (join --bootstrap). */
  bootstrap: z.array(z.string().startsWith('/')).optional(),
  /** LAN discovery (join --no-mdns sets false). */
  mdns: z.boolean().optional(),
  /** Loopback port of the status API (join --rpc-port). */
  rpcPort: z.number().int().min(0).max(65535).optional(),
  /** Presence heartbeat period (join --heartbeat-ms). */
  heartbeatMs: z.number().int().min(1000).optional(),
  /** Previous app versions artifact gc keeps (join --retain-versions). */
  retainVersions: z.number().int().min(0).optional(),
  /** Log format (join --log-format). */
  logFormat: z.enum(['text', 'json']).optional(),
  /** Serial ports with MCUs (join --gateway PATH --mcu KIND [--baud N] [--mode M]). */
  gateway: z.array(z.strictObject({
    port: z.string().min(1),
    mcu: z.enum(['esp32', 'stm32', 'lora']),
    baud: z.number().int().positive().optional(),
    mode: z.enum(['8n1', '8e1']).optional(),
    /** For mcu lora: the devices file and the envelope signing key (join --lora-devices, --lora-key). */
    loraDevices: z.string().min(1).optional(),
    loraKey: z.string().min(1).optional()
  })).max(16).optional()
})

export type NodeConfig = z.infer<typeof nodeConfigSchema>

export function defaultNodeConfigPath (storageDir: string): string {
  return join(storageDir, NODE_CONFIG_FILE)
}

/** Validates a config object (the writer's side): a mistake throws naming the field. */
export function validateNodeConfig (value: unknown, source = 'node config'): NodeConfig {
  const parsed = nodeConfigSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const field = issue?.path.join('.') ?? ''
    throw new NodeConfigError(`${source}: ${field === '' ? '' : `field '${field}': `}${issue?.message ?? 'invalid'}; see node/config/README.md for the fields`)
  }
  return parsed.data
}

/** Canonical text form: the exact bytes fleetp writes, pretty for a human reading the card. */
export function formatNodeConfig (config: NodeConfig): string {
  return JSON.stringify(validateNodeConfig(config), null, 2) + '\n'
}

export function parseNodeConfig (text: string, source = 'node config'): NodeConfig {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new NodeConfigError(`${source} is not valid JSON: ${(err as Error).message}`, { cause: err })
  }
  return validateNodeConfig(value, source)
}

/**
 * Reads a config file. A missing file is `undefined` only when `optional` (the default path in
 * the storage dir); a file named with `--config` must exist.
 */
export async function readNodeConfig (path: string, options: { optional?: boolean } = {}): Promise<NodeConfig | undefined> {
  let text: string
  try {
    const bytes = await readFile(path)
    if (bytes.length > NODE_CONFIG_BYTES_MAX) throw new NodeConfigError(`node config ${path} has ${bytes.length} bytes, more than ${NODE_CONFIG_BYTES_MAX}; is it the right file?`)
    text = bytes.toString('utf8')
  } catch (err) {
    if (err instanceof NodeConfigError) throw err
    // ENOTDIR: the storage dir is not a directory; prepareStorageDir reports that one clearly.
    const code = (err as NodeJS.ErrnoException).code
    if ((code === 'ENOENT' || code === 'ENOTDIR') && options.optional === true) return undefined
    throw new NodeConfigError(`cannot read node config ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err })
  }
  return parseNodeConfig(text, `node config ${path}`)
}
