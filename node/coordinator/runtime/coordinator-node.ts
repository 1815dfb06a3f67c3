/**
 * `fleets server` as one object: a mesh node of the fleet in the coordinator role (its own
 * storage dir: peer key, artifact blocks, the plans it published), the embedded store at
 * `--db`, the device registry fed by presence and reports, the rollout engine that signs and
 * gossips plans, the HTTP API, and the local status API so `fleets artifact upload
 * --node-storage-dir` and `fleet-node status` work against it like against any node.
 * Stops in the reverse order: API first (no new commands), then the engine, then the mesh.
 */
import { keyStore } from '../../../content/keys/index.js'
import { ArtifactService } from '../../../content/service/index.js'
import { verifyManifest, manifestFromJson } from '../../../content/manifest/index.js'
import { keyIdOf } from '../../fleet/index.js'
import { meshNode } from '../../mesh/index.js'
import { openPlanStore, planGossip, reportReceiver, signPlan } from '../../plans/index.js'
import { systemClock, systemRandom } from '../../ports/index.js'
import { RpcServer } from '../../rpc/index.js'
import { openStorage } from '../../storage/index.js'
import { FLEETD_VERSION } from '../../version.js'
import { artifactRoutes } from '../../rpc/artifact-routes.js'
import { auditLog } from '../audit/index.js'
import { rolloutEngine } from '../engine/index.js'
import { deviceRegistry } from '../registry/index.js'
import { deviceLogsPlugin, observability } from '../observability/index.js'
import { openDeviceLogs } from '../../log-stream/index.js'
import { deploymentSpecSchema } from '../rollout/index.js'
import { createApiServer } from '../server/index.js'
import { CoordinatorStore } from '../store/index.js'
import type { TrustedKey } from '../../../content/keys/index.js'
import type { HeldManifest, RolloutEngine } from '../engine/index.js'
import type { ComponentLogger, Logger } from '../../logging/index.js'
import type { MeshNode } from '../../mesh/index.js'
import type { PlanGossip, ReportReceiver } from '../../plans/index.js'
import type { DeviceReport } from '../../../proto/index.js'
import type { ObservabilityInit } from '../observability/index.js'
import type { ApiServer } from '../server/index.js'
import type { DeviceRegistry } from '../registry/index.js'
import type { NodeStore } from '../../storage/index.js'

export interface CoordinatorNodeOptions {
  /** The coordinator database (fleet secrets, devices, apps, deployments, reports, audit). */
  dbPath: string
  /** The mesh node's storage: peer key, artifact blocks and manifests, published plans. */
  storageDir: string
  /** Release keys whose public halves the coordinator trusts for manifests. @default the keys store's default dir */
  keysDir?: string
  apiHost: string
  apiPort: number
  /** Loopback port of the local status API (0 picks one). */
  rpcPort: number
  listen: string[]
  bootstrap: string[]
  mdns: boolean
  heartbeatIntervalMs?: number
  logger: ComponentLogger
  /** Telemetry retention and the alert webhook. */
  observability?: ObservabilityInit
  /** Report debounce and the like, for tests. */
  engine?: { reportDebounceMs?: number, regossipIntervalMs?: number }
}

export interface RunningCoordinatorNode {
  apiUrl: string
  /** Shown once: the first admin token, when this start created it. */
  adminToken?: string
  fleetId: string
  peerId: string
  /** Multiaddrs with the peer id, for `--bootstrap` and join tokens. */
  addresses: string[]
  rpcPort: number
  store: CoordinatorStore
  /** A join token whose bootstrap is this coordinator and whose trusted keys include the release keys. */
  joinToken(): Promise<string>
  stop(): Promise<void>
}

export async function startCoordinatorNode (options: CoordinatorNodeOptions): Promise<RunningCoordinatorNode> {
  const { logger } = options
  const log = logger.forComponent('fleet:coordinator')
  const clock = systemClock()
  const random = systemRandom()
  const stack: Array<() => Promise<void> | void> = []
  const stopAll = async (): Promise<void> => {
    for (const stop of stack.reverse()) {
      try {
        await stop()
      } catch (err) {
        log.error('stopping: %s', (err as Error).message)
      }
    }
    stack.length = 0
  }
  try {
    const store = await CoordinatorStore.open(options.dbPath)
    stack.push(async () => { await store.close() })
    const { secrets } = await store.fleet.secrets(clock.nowMs())
    const releaseKeys = await trustedReleaseKeys(options.keysDir, log)
    const coordinatorKey: TrustedKey = { keyId: keyIdOf(secrets.fleetKey.publicKey.raw), publicKey: secrets.fleetKey.publicKey.raw, role: 'coordinator' }

    const nodeStore: NodeStore = await openStorage(options.storageDir)
    stack.push(async () => { await nodeStore.close() })
    const mesh: MeshNode = meshNode({
      listen: options.listen, mdns: options.mdns, bootstrap: options.bootstrap, name: 'coordinator', labels: { role: 'coordinator' },
      ...(options.heartbeatIntervalMs != null ? { heartbeatIntervalMs: options.heartbeatIntervalMs } : {})
    })({
      clock, random, logger, privateKey: await nodeStore.privateKey(), storageDir: nodeStore.dir, agentVersion: FLEETD_VERSION,
      membership: { fleetId: secrets.fleetId, networkKey: secrets.networkKey }
    })
    await mesh.start()
    stack.push(async () => { await mesh.stop() })
    const artifacts = await ArtifactService.start({ libp2p: mesh.libp2p, storageDir: nodeStore.dir, clock, logger, trustedKeys: () => releaseKeys })
    stack.push(async () => { await artifacts.stop() })

    const planStore = await openPlanStore(nodeStore.dir)
    const gossip: PlanGossip = planGossip()({
      clock, random, logger, libp2p: mesh.libp2p, store: planStore, fleetId: secrets.fleetId, trustedKeys: () => [coordinatorKey]
    })
    await gossip.start()
    stack.push(async () => { await gossip.stop() })

    const registry: DeviceRegistry = deviceRegistry()({ store, clock, logger, presence: { peers: () => mesh.peers().filter(p => p.labels.role !== 'coordinator') } })
    registry.start()
    stack.push(() => { registry.stop() })

    const manifest = async (name: string, version: string): Promise<HeldManifest | undefined> =>
      await heldManifest(artifacts, releaseKeys, name, version)
    // One audit log for the API's and the engine's entries: one hash chain.
    const audit = auditLog()({ store, clock })
    const engine: RolloutEngine = rolloutEngine(options.engine ?? {})({
      store, audit, clock, logger, fleetId: secrets.fleetId, manifest,
      sign: async plan => await signPlan(plan, secrets.fleetKey),
      publish: async bytes => await gossip.publish(bytes),
      heldPlans: () => planStore.list(),
      isOnline: record => registry.isOnline(record)
    })
    const receiverRef: { current?: ReportReceiver } = {}
    const obs = await observability(options.observability ?? {})({ store, registry, clock, random, logger, reportStats: () => receiverRef.current?.stats() ?? { received: 0, failed: 0, batches: 0 } })
    obs.start()
    stack.push(async () => { await obs.stop() })
    // App logs: the coordinator dials the device and signs the request with the fleet key, which devices trust.
    const logsPlugin = deviceLogsPlugin(async (query, o) => await openDeviceLogs({ libp2p: mesh.libp2p, clock, fleetId: secrets.fleetId, signingKey: secrets.fleetKey }, query, o))
    const api: ApiServer = createApiServer({ deploymentSpecSchema, store, registry, engine, audit, clock, random, logger, plugins: [obs.plugin, logsPlugin] })

    // Telemetry rides the same protocol as deployment reports (from its own outbox on the device).
    const applyDeploymentReport = async (report: DeviceReport): Promise<void> => {
      const outcome = await registry.applyReport(report)
      if (outcome === 'new' || outcome === 'updated') engine.reportPersisted(report.deploymentId)
    }
    const receiver = await reportReceiver(mesh.libp2p, async (report) => {
      if (await obs.onReport(report)) return
      await applyDeploymentReport(report)
    }, {
      logger,
      // A batch at once: a run of telemetry reports is stored in one write; deployment reports keep their order.
      onBatch: async (reports) => await obs.onBatch(reports, applyDeploymentReport)
    })
    receiverRef.current = receiver
    stack.push(async () => { await receiver.stop() })
    await engine.start()
    stack.push(async () => { await engine.stop() })

    const rpc = new RpcServer(nodeStore.dir, {
      'GET /v1/status': () => mesh.status(),
      'GET /v1/peers': () => mesh.peers(),
      ...artifactRoutes(artifacts)
    })
    const rpcPort = await rpc.start(options.rpcPort)
    stack.push(async () => { await rpc.stop() })
    const listening = await api.listen(options.apiPort, options.apiHost)
    stack.push(async () => { await api.close() })

    const peerId = mesh.libp2p.peerId.toString()
    const addresses = mesh.libp2p.getMultiaddrs().map(a => a.toString())
    log.info('coordinator of fleet %s: peer %s, API %s', secrets.fleetId, peerId, listening.url)
    return {
      apiUrl: listening.url,
      ...(listening.adminToken != null ? { adminToken: listening.adminToken } : {}),
      fleetId: secrets.fleetId,
      peerId,
      addresses,
      rpcPort,
      store,
      joinToken: async () => (await store.fleet.createToken(clock.nowMs(), {
        bootstrap: mesh.libp2p.getMultiaddrs().map(a => a.toString()),
        extraTrustedKeys: releaseKeys
      })).token,
      stop: stopAll
    }
  } catch (err) {
    await stopAll()
    throw err
  }
}

async function trustedReleaseKeys (keysDir: string | undefined, log: Logger): Promise<Array<TrustedKey & { role: string }>> {
  const keys = keyStore(keysDir != null ? { dir: keysDir } : {})({ clock: systemClock() })
  const list = await keys.list().catch(() => [])
  if (list.length === 0) log.warn('no release keys in %s: deployments are refused until manifests signed by a trusted key exist (fleets keys generate release)', keysDir ?? 'the default keys dir')
  return list.map(k => ({ keyId: k.keyId, publicKey: new Uint8Array(Buffer.from(k.publicKey, 'base64')), role: 'artifact' }))
}

async function heldManifest (artifacts: ArtifactService, trusted: TrustedKey[], name: string, version: string): Promise<HeldManifest | undefined> {
  let json
  try {
    json = (await artifacts.show({ ref: { name, version } })).manifest
  } catch {
    return undefined
  }
  try {
    await verifyManifest(manifestFromJson(json), trusted)
    return { manifest: json, signatureOk: true }
  } catch (err) {
    return { manifest: json, signatureOk: false, problem: (err as Error).message }
  }
}
