import { hostname } from 'node:os'
import { readFile } from 'node:fs/promises'
import { ArtifactService, RETAIN_PER_APP_MAX } from '../../../content/service/index.js'
import { RETAIN_PER_APP_DEFAULT } from '../../../content/store/index.js'
import { parseJoinToken } from '../../fleet/index.js'
import { defaultNodeConfigPath, readNodeConfig } from '../../config/index.js'
import { consoleLogger } from '../../logging/index.js'
import { DEFAULT_LISTEN_ADDR, meshNode } from '../../mesh/index.js'
import { systemClock, systemRandom } from '../../ports/index.js'
import { RpcServer } from '../../rpc/index.js'
import { defaultStorageDir, openStorage } from '../../storage/index.js'
import { FLEETD_VERSION } from '../../version.js'
import { parseFlags, parseKeyValues, parsePort, UsageError } from '../args.js'
import { waitForStopSignal } from '../stop-signal.js'
import { artifactRoutes } from '../../rpc/artifact-routes.js'
import { appRoutes } from './app-routes.js'
import { startDevicePlans } from './join-plans.js'
import { startDeviceTelemetry } from './join-telemetry.js'
import { logServer } from '../../log-stream/index.js'
import type { LogServer } from '../../log-stream/index.js'
import { parseDurationMs } from './flag-units.js'
import { TELEMETRY_INTERVAL_MS_DEFAULT, TELEMETRY_INTERVAL_MS_MIN } from '../../telemetry/index.js'
import { startNodeMetrics } from './join-metrics.js'
import type { RunningNodeMetrics } from './join-metrics.js'
import type { RunningTelemetry } from './join-telemetry.js'
import type { DevicePlans } from './join-plans.js'
import { childArtifacts, GATEWAY_HELP, parseGatewayPorts, startGateway } from './join-gateway.js'
import type { ChildArtifacts, RunningGateway } from './join-gateway.js'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { agent as createAgent, AgentMetrics, fleetArtifactSource } from '../../agent/index.js'
import { customMetricsHandler, customMetricsStore, MetricsEndpoint, systemMetricsSampler } from '../../runtime/metrics/index.js'
import { detectLimitSupport } from '../../runtime/limits/index.js'
import type { Agent } from '../../agent/index.js'
import type { ManifestJson } from '../../../content/manifest/index.js'
import type { JoinTokenData } from '../../fleet/index.js'
import type { MeshNode } from '../../mesh/index.js'
import type { NodeStore } from '../../storage/index.js'

/** Default loopback port of the status API; `--rpc-port 0` picks a free one. */
export const DEFAULT_RPC_PORT = 4711
/** After a stop signal, give up on a clean shutdown after this long. */
const SHUTDOWN_TIMEOUT_MS = 10_000

export const JOIN_HELP = `Usage: fleet-node join [options]

Start this device's fleet node and keep it running (stop with Ctrl-C or SIGTERM).

Options:
  --config FILE         node config (JSON, as fleetp writes it; default: config.json in the
                        storage dir when it exists); flags given here win over the file
  --token T             join token from 'fleets token create' (remembered in the storage dir)
  --token-file F        read the token from a file (keeps it out of the process list)
                        (the FLEETD_TOKEN environment variable works too)
  --storage-dir DIR     state directory (default /var/lib/fleetd as root, ~/.fleetd otherwise)
  --listen ADDR         multiaddr to listen on, repeatable (default ${DEFAULT_LISTEN_ADDR})
  --bootstrap ADDR      peer to keep connected, repeatable, e.g. /ip4/10.0.0.2/tcp/4710/p2p/12D3Koo…
  --no-mdns             do not discover peers on the LAN with mDNS
  --rpc-port N          loopback port of the status API (default ${DEFAULT_RPC_PORT}; 0 picks a free one)
  --name NAME           device name (default: the hostname)
  --label K=V           device label, repeatable; labels 'group' and 'groups' (comma-separated)
                        name the device's groups, which plan targets 'group:NAME' select
  --heartbeat-ms N      presence heartbeat period in ms (default 10000, minimum 1000)
  --retain-versions N   previous versions of each app that artifact gc keeps besides the
                        running, planned and pinned ones (default ${RETAIN_PER_APP_DEFAULT}; 0 keeps none)
  --telemetry-interval D  send system, app and custom metrics to the coordinator this often
                        (default 10s, at least 1s; 'off' sends none)
  --metrics-listen HOST:PORT  serve this node's Prometheus metrics at http://HOST:PORT/metrics
                        (system, apps, mesh, outboxes, the process; off by default; no token,
                        so keep it on loopback, e.g. 127.0.0.1:9464)
  --log-format F        text or json (default text)

${GATEWAY_HELP}`

const OPTIONS = {
  config: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  'storage-dir': { type: 'string' },
  listen: { type: 'string', multiple: true },
  bootstrap: { type: 'string', multiple: true },
  'no-mdns': { type: 'boolean' },
  'rpc-port': { type: 'string' },
  name: { type: 'string' },
  label: { type: 'string', multiple: true },
  'heartbeat-ms': { type: 'string' },
  'retain-versions': { type: 'string' },
  'log-format': { type: 'string' },
  'telemetry-interval': { type: 'string' },
  'metrics-listen': { type: 'string' },
  gateway: { type: 'string', multiple: true },
  mcu: { type: 'string', multiple: true },
  baud: { type: 'string', multiple: true },
  mode: { type: 'string', multiple: true },
  'lora-devices': { type: 'string', multiple: true },
  'lora-key': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' }
} as const

export async function joinCommand (argv: string[]): Promise<number> {
  const { values: flags } = parseFlags('join', argv, OPTIONS)
  if (flags.help === true) { process.stdout.write(JOIN_HELP); return 0 }
  const storageDir = flags['storage-dir'] ?? defaultStorageDir()
  const values = await withConfig(flags, storageDir)
  const rpcPort = parsePort('join', 'rpc-port', values['rpc-port'], DEFAULT_RPC_PORT)
  const labels = parseKeyValues('join', 'label', values.label)
  const heartbeatIntervalMs = parseHeartbeat(values['heartbeat-ms'])
  const retainPerApp = parseRetainVersions(values['retain-versions'])
  const logFormat = values['log-format'] ?? 'text'
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError(`--log-format must be text or json, got '${logFormat}'`, 'join')
  const telemetryIntervalMs = parseTelemetryInterval(values['telemetry-interval'])
  const metricsListen = values['metrics-listen'] == null ? undefined : parseHostPort('metrics-listen', values['metrics-listen'])
  if (flags.token != null && flags['token-file'] != null) throw new UsageError('give either --token or --token-file, not both', 'join')
  const gatewayPorts = parseGatewayPorts(values)

  const logger = consoleLogger({ format: logFormat, level: process.env.FLEETD_LOG_LEVEL === 'debug' ? 'debug' : 'info' })
  const log = logger.forComponent('fleet:node')
  const store = await openStorage(storageDir)
  let node: MeshNode | undefined
  let rpc: RpcServer | undefined
  let artifacts: ArtifactService | undefined
  let agent: Agent | undefined
  let metricsEndpoint: MetricsEndpoint | undefined
  let plans: DevicePlans | undefined
  let telemetry: RunningTelemetry | undefined
  let logs: LogServer | undefined
  let prometheus: RunningNodeMetrics | undefined
  let gateway: RunningGateway | undefined
  try {
    const membership = await resolveToken(store, values.token, values['token-file'], log)
    const privateKey = await store.privateKey()
    logger.setPrefix(privateKey.publicKey.toString().slice(-8))
    const name = values.name ?? hostname()
    // Artifacts start after the mesh; firmware fetches happen only once plans flow, later still.
    const firmware: { source?: ReturnType<typeof fleetArtifactSource>, children?: ChildArtifacts } = {}
    if (gatewayPorts.length > 0) {
      gateway = await startGateway({
        ports: gatewayPorts, storageDir: store.dir, gatewayId: peerIdFromPrivateKey(privateKey).toString(), gatewayName: name, logger,
        onChange: () => { node?.announceSoon() },
        artifacts: {
          fetch: async manifest => {
            if (firmware.source == null) throw new Error('the artifact store is not started yet')
            return await firmware.source.fetch(manifest)
          },
          markRunning: async manifest => { await firmware.source?.markRunning?.(manifest) },
          heldArtifact: async ref => await firmware.children?.heldArtifact(ref) ?? { missing: 'the artifact store is not started yet' },
          keepForChildren: async (app, versions) => await firmware.children?.keepForChildren(app, versions) ?? { pinned: [], unpinned: [] }
        }
      })
      log.info('gateway: %d port(s), children %s', gatewayPorts.length, gateway.registry.list().map(c => `${c.id} (${c.port}, running ${c.firmwareVersion || 'nothing'})`).join(', ') || 'none answering yet')
    }
    const running = gateway
    node = meshNode({
      listen: values.listen ?? [DEFAULT_LISTEN_ADDR],
      mdns: values['no-mdns'] !== true,
      bootstrap: [...(membership?.bootstrap ?? []), ...(values.bootstrap ?? [])],
      heartbeatIntervalMs,
      name,
      labels,
      ...(running != null ? { children: () => running.children() } : {})
    })({
      clock: systemClock(), random: systemRandom(), logger, privateKey, storageDir: store.dir, agentVersion: FLEETD_VERSION,
      ...(membership != null ? { membership: { fleetId: membership.fleetId, networkKey: membership.networkKey } } : {})
    })
    await node.start()
    const mesh = node
    artifacts = await ArtifactService.start({
      libp2p: mesh.libp2p, storageDir: store.dir, clock: systemClock(), logger, trustedKeys: () => membership?.trustedKeys ?? []
    }, { retainPerApp })
    const custom = customMetricsStore()
    metricsEndpoint = new MetricsEndpoint(customMetricsHandler({ store: custom }))
    await metricsEndpoint.start()
    agent = createAgent({ storageDir: store.dir, metricsUrl: metricsEndpoint.url })({ clock: systemClock(), logger, artifacts: fleetArtifactSource(artifacts), limitSupport: await detectLimitSupport() })
    await agent.start()
    const source = fleetArtifactSource(artifacts)
    firmware.source = source
    firmware.children = childArtifacts(artifacts)
    if (membership != null) {
      plans = await startDevicePlans({
        mesh, agent, storageDir: store.dir, fleetId: membership.fleetId, trustedKeys: membership.trustedKeys, labels, logger,
        stage: async manifest => { await source.fetch(manifest as ManifestJson) },
        ...(running != null ? { children: async outbox => await running.attach(outbox) } : {})
      })
    } else if (running != null) {
      log.warn('gateway without a join token: its MCUs are listed but take no plans; join with --token')
    }
    if (membership != null) {
      // The coordinator (and only it: the request is signed by a trusted coordinator key) reads app logs over the mesh.
      const appAgent = agent
      logs = logServer()({
        libp2p: mesh.libp2p, clock: systemClock(), logger, fleetId: membership.fleetId, trustedKeys: () => membership.trustedKeys,
        logsDir: appAgent.logsDir, apps: () => appAgent.status().apps.map(a => a.name)
      })
      await logs.start()
    }
    const metrics = new AgentMetrics({ agent, system: systemMetricsSampler({ diskPath: store.dir }), custom, clock: systemClock(), deviceId: mesh.libp2p.peerId.toString() })
    if (membership != null && telemetryIntervalMs != null) {
      telemetry = await startDeviceTelemetry({ mesh, storageDir: store.dir, intervalMs: telemetryIntervalMs, logger, collect: async () => await metrics.collect() })
    }
    const sending = telemetry
    rpc = new RpcServer(store.dir, {
      'GET /v1/status': () => mesh.status(),
      'GET /v1/peers': () => mesh.peers(),
      ...artifactRoutes(artifacts),
      ...appRoutes(agent),
      ...(plans?.routes ?? { 'GET /v1/plans': () => { throw Object.assign(new Error('this node has no join token, so it takes no plans; join with --token'), { code: 'FLEET_ERR_BAD_REQUEST', status: 400 }) } }),
      // protons decodes proto maps as Map, which JSON would print as {}.
      'GET /v1/metrics': async () => { const m = await metrics.collect(); return { ...m, customMetrics: Object.fromEntries(m.customMetrics) } },
      'GET /v1/logs-server': () => logs?.stats() ?? { off: true },
      'GET /v1/telemetry': () => sending?.stats() ?? { off: true },
      'GET /v1/gateway': () => ({ ports: running?.registry.ports() ?? [], children: running?.registry.list() ?? [] })
    })
    if (metricsListen != null) {
      prometheus = await startNodeMetrics({ ...metricsListen, mesh, agent, collect: async () => await metrics.collect(), plans, telemetry: sending, logs })
      log.info('Prometheus metrics on %s', prometheus.url)
      if (!/^(127\.|::1$|localhost$)/.test(metricsListen.host)) log.warn('--metrics-listen %s serves metrics without a token beyond loopback; make sure only the monitoring network reaches it', metricsListen.host)
    }
    const port = await rpc.start(rpcPort)
    log.info('status API on 127.0.0.1:%d (fleet-node status --storage-dir %s)', port, store.dir)
  } catch (err) {
    await rpc?.stop()
    await prometheus?.stop()
    await logs?.stop()
    await telemetry?.stop()
    await metricsEndpoint?.stop()
    await plans?.stop()
    await agent?.stop()
    await artifacts?.stop()
    await node?.stop()
    await gateway?.stop()
    await store.close()
    throw err
  }
  await waitForStopSignal()
  log.info('stopping')
  const forced = setTimeout(() => { log.error('clean shutdown took over %d ms; exiting', SHUTDOWN_TIMEOUT_MS); process.exit(1) }, SHUTDOWN_TIMEOUT_MS)
  forced.unref()
  await rpc.stop()
  await prometheus?.stop()
  await logs?.stop()
  await telemetry?.stop()
  await metricsEndpoint.stop()
  await plans?.stop()
  await agent.stop()
  await artifacts.stop()
  await node.stop()
  await gateway?.stop()
  await store.close()
  clearTimeout(forced)
  log.info('stopped')
  return 0
}

type JoinFlags = ReturnType<typeof parseFlags<typeof OPTIONS>>['values']

/**
 * Folds the node config file (fleetp's output, one schema with it) under the flags: a flag
 * given on the command line wins; the file fills the rest. `--config` must exist; the default
 * path in the storage dir is read only when present. A token flag also wins over the file's
 * tokenFile, so the token precedence stays the one resolveToken documents.
 */
async function withConfig (flags: JoinFlags, storageDir: string): Promise<JoinFlags> {
  const config = flags.config != null
    ? await readNodeConfig(flags.config)
    : await readNodeConfig(defaultNodeConfigPath(storageDir), { optional: true })
  if (config == null) return flags
  const fromFile: JoinFlags = {
    ...(config.name != null ? { name: config.name } : {}),
    ...(config.labels != null ? { label: Object.entries(config.labels).map(([k, v]) => `${k}=${v}`) } : {}),
    ...(config.tokenFile != null && flags.token == null && process.env.FLEETD_TOKEN == null ? { 'token-file': config.tokenFile } : {}),
    ...(config.listen != null ? { listen: config.listen } : {}),
    ...(config.bootstrap != null ? { bootstrap: config.bootstrap } : {}),
    ...(config.mdns === false ? { 'no-mdns': true } : {}),
    ...(config.rpcPort != null ? { 'rpc-port': String(config.rpcPort) } : {}),
    ...(config.heartbeatMs != null ? { 'heartbeat-ms': String(config.heartbeatMs) } : {}),
    ...(config.retainVersions != null ? { 'retain-versions': String(config.retainVersions) } : {}),
    ...(config.logFormat != null ? { 'log-format': config.logFormat } : {}),
    ...(config.gateway != null && config.gateway.length > 0
      ? {
          gateway: config.gateway.map(g => g.port),
          mcu: config.gateway.map(g => g.mcu),
          baud: config.gateway.map(g => String(g.baud ?? 115200)),
          mode: config.gateway.map(g => g.mode ?? '8n1'),
          ...(config.gateway.some(g => g.mcu === 'lora')
            ? { 'lora-devices': config.gateway.flatMap(g => g.mcu === 'lora' ? [g.loraDevices ?? ''] : []), 'lora-key': config.gateway.flatMap(g => g.mcu === 'lora' ? [g.loraKey ?? ''] : []) }
            : {})
        }
      : {})
  }
  const given = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined))
  return { ...fromFile, ...given }
}

function parseTelemetryInterval (value: string | undefined): number | undefined {
  if (value === 'off') return undefined
  if (value == null) return TELEMETRY_INTERVAL_MS_DEFAULT
  const ms = parseDurationMs('join', 'telemetry-interval', value)
  if (ms < TELEMETRY_INTERVAL_MS_MIN) throw new UsageError(`--telemetry-interval must be at least 1s, got '${value}'`, 'join')
  return ms
}

/** `127.0.0.1:9464`, `[::1]:9464`; port 0 picks a free one (the log line names it). */
function parseHostPort (flag: string, value: string): { host: string, port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value)
  const port = Number(m?.[3])
  if (m == null || port > 65535) throw new UsageError(`--${flag} takes HOST:PORT like 127.0.0.1:9464, got '${value}'`, 'join')
  return { host: m[1] ?? m[2] ?? '', port }
}

function parseHeartbeat (value: string | undefined): number | undefined {
  if (value == null) return undefined
  const ms = Number(value)
  if (!Number.isInteger(ms) || ms < 1000) throw new UsageError(`--heartbeat-ms must be an integer of at least 1000, got '${value}'`, 'join')
  return ms
}

function parseRetainVersions (value: string | undefined): number {
  if (value == null) return RETAIN_PER_APP_DEFAULT
  const n = Number(value)
  if (!/^\d+$/.test(value) || n > RETAIN_PER_APP_MAX) throw new UsageError(`--retain-versions must be an integer from 0 to ${RETAIN_PER_APP_MAX}, got '${value}'`, 'join')
  return n
}

/** Token precedence: --token, --token-file, FLEETD_TOKEN, then the one remembered from an earlier join. */
async function resolveToken (store: NodeStore, token: string | undefined, tokenFile: string | undefined, log: { info(m: string, ...a: unknown[]): void, warn(m: string, ...a: unknown[]): void }): Promise<JoinTokenData | undefined> {
  let text = token ?? process.env.FLEETD_TOKEN
  if (tokenFile != null) {
    try {
      text = await readFile(tokenFile, 'utf8')
    } catch (err) {
      throw new UsageError(`cannot read --token-file ${tokenFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'join')
    }
  }
  const remembered = await store.joinToken()
  if (text == null) {
    if (remembered == null) {
      log.warn('no join token: this node can connect only to other nodes without one; get a token with fleets token create and pass --token')
      return undefined
    }
    return parseJoinToken(remembered)
  }
  const data = parseJoinToken(text)
  if (remembered != null && remembered !== text.trim()) {
    const previous = parseJoinToken(remembered)
    if (previous.fleetId !== data.fleetId) log.warn('leaving fleet %s for fleet %s (a new token was given)', previous.fleetId, data.fleetId)
  }
  await store.setJoinToken(text.trim())
  return data
}
