import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { startCoordinatorNode } from '../../coordinator/runtime/index.js'
import { consoleLogger } from '../../logging/index.js'
import { parseFlags, parsePort, UsageError } from '../args.js'
import { waitForStopSignal } from '../stop-signal.js'
import { parseDurationMs } from './flag-units.js'
import { telemetryConfigSchema } from '../../telemetry/index.js'
import type { ObservabilityInit } from '../../coordinator/observability/index.js'

/** The coordinator's mesh listens here by default: a device's fleet-node uses 4710 on the same host. */
export const COORDINATOR_LISTEN_DEFAULT = '/ip4/0.0.0.0/tcp/4720'
export const COORDINATOR_RPC_PORT_DEFAULT = 4721
/** After a stop signal, give up on a clean shutdown after this long. */
const SHUTDOWN_TIMEOUT_MS = 15_000

export const SERVER_HELP = `Usage: fleets server [options]

Run the coordinator: a mesh node of the fleet that signs and gossips deployment plans, the
embedded store, and the HTTP API (OpenAPI document at /api/v1/openapi.json). Stop it with
Ctrl-C or SIGTERM; a restart resumes every deployment where it was.

Options:
  --db PATH              coordinator database (default fleet.db); created on first start
  --port N               API port (default 8080; 0 picks a free one)
  --host H               API address (default 127.0.0.1; 0.0.0.0 to serve other machines)
  --storage-dir DIR      the coordinator node's own storage: peer key, artifacts, plans
                         (default: the database path + '.node')
  --keys-dir D           release keys the coordinator trusts for manifests (fleets keys generate)
  --listen ADDR          mesh multiaddr, repeatable (default ${COORDINATOR_LISTEN_DEFAULT})
  --bootstrap ADDR       peer to keep connected, repeatable
  --no-mdns              do not discover devices on the LAN with mDNS
  --rpc-port N           loopback port of its local status API (default ${COORDINATOR_RPC_PORT_DEFAULT}; 0 picks one)
  --heartbeat-ms N       presence heartbeat period in ms (default 10000)
  --join-token-out FILE  write a join token (bootstrap: this coordinator; trusted: its key and the
                         release keys) to FILE, mode 0600, for fleet-node join --token-file
  --raw-retention D      keep raw telemetry samples this long (default 24h)
  --rollup-retention D   keep 1-minute telemetry rollups this long (default 30d)
  --rollup-interval D    telemetry rollup bucket width (default 1m)
  --alert-webhook URL    POST alert notifications (firing/resolved, JSON) to URL
  --log-format F         text or json (default text)

The web dashboard is served at /ui/ (log in with an API token); Prometheus metrics at
/metrics (bearer token of any role); live events at /api/v1/events (Server-Sent Events).

On the first start the server creates an admin API token and prints it once; keep it
(fleets --token, or FLEETD_TOKEN).
`

const OPTIONS = {
  db: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, 'storage-dir': { type: 'string' },
  'keys-dir': { type: 'string' }, listen: { type: 'string', multiple: true }, bootstrap: { type: 'string', multiple: true },
  'no-mdns': { type: 'boolean' }, 'rpc-port': { type: 'string' }, 'heartbeat-ms': { type: 'string' },
  'join-token-out': { type: 'string' }, 'log-format': { type: 'string' }, help: { type: 'boolean', short: 'h' },
  'raw-retention': { type: 'string' }, 'rollup-retention': { type: 'string' }, 'rollup-interval': { type: 'string' }, 'alert-webhook': { type: 'string' }
} as const

export async function serverCommand (argv: string[]): Promise<number> {
  const { values } = parseFlags('server', argv, OPTIONS)
  if (values.help === true) { process.stdout.write(SERVER_HELP); return 0 }
  const apiPort = parsePort('server', 'port', values.port, 8080)
  const rpcPort = parsePort('server', 'rpc-port', values['rpc-port'], COORDINATOR_RPC_PORT_DEFAULT)
  const logFormat = values['log-format'] ?? 'text'
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError(`--log-format must be text or json, got '${logFormat}'`, 'server')
  let heartbeatIntervalMs: number | undefined
  if (values['heartbeat-ms'] != null) {
    heartbeatIntervalMs = Number(values['heartbeat-ms'])
    if (!Number.isInteger(heartbeatIntervalMs) || heartbeatIntervalMs < 1000) throw new UsageError(`--heartbeat-ms must be an integer of at least 1000, got '${values['heartbeat-ms']}'`, 'server')
  }
  const dbPath = resolve(values.db ?? 'fleet.db')
  const observability = observabilityOptions(values)
  const logger = consoleLogger({ format: logFormat, level: process.env.FLEETD_LOG_LEVEL === 'debug' ? 'debug' : 'info' })
  const log = logger.forComponent('fleet:server')

  const coordinator = await startCoordinatorNode({
    dbPath,
    storageDir: resolve(values['storage-dir'] ?? `${dbPath}.node`),
    ...(values['keys-dir'] != null ? { keysDir: values['keys-dir'] } : {}),
    apiHost: values.host ?? '127.0.0.1',
    apiPort,
    rpcPort,
    listen: values.listen ?? [COORDINATOR_LISTEN_DEFAULT],
    bootstrap: values.bootstrap ?? [],
    mdns: values['no-mdns'] !== true,
    ...(heartbeatIntervalMs != null ? { heartbeatIntervalMs } : {}),
    observability,
    logger
  })
  const lines = [
    `fleet ${coordinator.fleetId}: coordinator API on ${coordinator.apiUrl} (OpenAPI: ${coordinator.apiUrl}/api/v1/openapi.json)`,
    `mesh peer ${coordinator.peerId}`,
    ...coordinator.addresses.map(a => `  ${a}`)
  ]
  if (coordinator.adminToken != null) lines.push(`admin token (shown once, keep it): ${coordinator.adminToken}`)
  if (values['join-token-out'] != null) {
    await writeFile(values['join-token-out'], await coordinator.joinToken() + '\n', { mode: 0o600 })
    lines.push(`join token written to ${values['join-token-out']}: fleet-node join --token-file ${values['join-token-out']}`)
  }
  process.stdout.write(lines.join('\n') + '\n')

  await waitForStopSignal()
  log.info('stopping')
  const forced = setTimeout(() => { log.error('clean shutdown took over %d ms; exiting', SHUTDOWN_TIMEOUT_MS); process.exit(1) }, SHUTDOWN_TIMEOUT_MS)
  forced.unref()
  await coordinator.stop()
  clearTimeout(forced)
  log.info('stopped')
  return 0
}

/** Retention flags and the webhook, checked here so a bad value names its flag. */
function observabilityOptions (values: { 'raw-retention'?: string, 'rollup-retention'?: string, 'rollup-interval'?: string, 'alert-webhook'?: string }): ObservabilityInit {
  const telemetry = {
    ...(values['raw-retention'] != null ? { rawRetentionMs: parseDurationMs('server', 'raw-retention', values['raw-retention']) } : {}),
    ...(values['rollup-retention'] != null ? { rollupRetentionMs: parseDurationMs('server', 'rollup-retention', values['rollup-retention']) } : {}),
    ...(values['rollup-interval'] != null ? { rollupIntervalMs: parseDurationMs('server', 'rollup-interval', values['rollup-interval']) } : {})
  }
  const checked = telemetryConfigSchema.safeParse(telemetry)
  if (!checked.success) {
    const issue = checked.error.issues[0]
    const flag = ({ rawRetentionMs: 'raw-retention', rollupRetentionMs: 'rollup-retention', rollupIntervalMs: 'rollup-interval' } as Record<string, string>)[String(issue?.path[0])] ?? 'raw-retention'
    throw new UsageError(`--${flag}: ${issue?.message ?? 'invalid'} (raw at least 1m, rollup interval 1s to 1h, rollups kept at least as long as raw samples)`, 'server')
  }
  const webhook = values['alert-webhook']
  if (webhook != null) {
    let url: URL
    try { url = new URL(webhook) } catch { throw new UsageError(`--alert-webhook must be an http(s) URL, got '${webhook}'`, 'server') }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--alert-webhook must be an http(s) URL, got '${webhook}'`, 'server')
  }
  return { telemetry, ...(webhook != null ? { webhookUrl: webhook } : {}) }
}
