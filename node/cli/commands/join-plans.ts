/**
 * The device side of deployment plans in `fleet-node join`: the plan store and report outbox
 * in the storage dir, plan gossip with anti-entropy on the mesh, the applier handing this
 * device's part of each plan to the agent, and the sender carrying reports to the
 * coordinator. `GET /v1/plans` (and `fleet-node plans`) shows what it holds and refused.
 */
import { decodePlan, decodeSignedPlan } from '../../../proto/index.js'
import { deviceGroups, openPlanStore, openReportOutbox, PLAN_SYNC_PROTOCOL, planApplier, planGossip, reportSender } from '../../plans/index.js'
import { systemClock, systemRandom } from '../../ports/index.js'
import type { Agent } from '../../agent/index.js'
import type { TrustedKey } from '../../../content/keys/index.js'
import type { ComponentLogger } from '../../logging/index.js'
import type { MeshNode } from '../../mesh/index.js'
import type { OutboxStats, PlanGossipStats, PlanRejectionReason, PlanStore, ReportOutbox } from '../../plans/index.js'
import type { Plan } from '../../../proto/index.js'
import type { RpcRoutes } from '../../rpc/index.js'

/** Last refusals kept for `fleet-node plans`. */
const RECENT_REJECTIONS_MAX = 10

export interface PlanRow {
  deploymentId: string
  seq: number
  app: string
  version: string
  /** Index of the plan's current cohort phase and its share of the fleet in basis points. */
  phase: number
  phaseBasisPoints: number
  target: string
  rollbackTo?: string
  /** When the coordinator built the plan (its wall clock): the start of propagation. */
  issuedMs: number
  expiresMs: number
  /** What this device did with the deployment: the seq and outcome, if anything yet. */
  applied?: { seq: number, outcome: string, version?: string }
}

export interface PlansView {
  fleetId: string
  device: { id: string, labels: Record<string, string>, groups: string[] }
  plans: PlanRow[]
  outbox: OutboxStats
  sender: { delivered: number, batches: number, failures: number, lastError?: string, lastDeliveredMs?: number }
  gossip: PlanGossipStats
  rejected: Partial<Record<PlanRejectionReason, number>>
  recentRejections: Array<{ reason: string, message: string, source: string, from: string, deploymentId?: string, seq?: number, atMs: number }>
}

export interface DevicePlans {
  routes: RpcRoutes
  /** Reports waiting for the coordinator. */
  outboxPending(): number
  stop(): Promise<void>
}

/** Starts plans on a node with a fleet membership; stop() before the agent and the mesh stop. */
export async function startDevicePlans (options: {
  mesh: MeshNode
  agent: Agent
  storageDir: string
  fleetId: string
  trustedKeys: readonly TrustedKey[]
  labels: Record<string, string>
  logger: ComponentLogger
  /** Fetches and verifies an artifact into the node's store without running it (blue-green stage). */
  stage?: (manifest: unknown) => Promise<void>
  /** A gateway's applier for its children (gateway/children), given the report outbox. */
  children?: (outbox: ReportOutbox) => Promise<{ apply(plan: Plan): Promise<unknown> }>
}): Promise<DevicePlans> {
  const { mesh, agent, storageDir, fleetId, logger } = options
  const common = { clock: systemClock(), random: systemRandom(), logger }
  const deviceId = mesh.libp2p.peerId.toString()
  const device = { id: deviceId, labels: { ...options.labels }, groups: deviceGroups(options.labels) }
  const store = await openPlanStore(storageDir)
  const outbox = await openReportOutbox(storageDir, { clock: common.clock, deviceId })
  const gossip = planGossip()({ ...common, libp2p: mesh.libp2p, store, fleetId, trustedKeys: () => options.trustedKeys })
  const applier = planApplier()({
    ...common,
    store,
    outbox,
    device: () => device,
    setApp: async (spec, manifest) => await agent.setApp(spec, manifest),
    agentEvents: agent,
    runningVersion: app => agent.status().apps.find(a => a.name === app)?.active,
    manifestFor: (app, version) => agent.manifestOf(app, version),
    ...(options.stage != null ? { stage: options.stage } : {})
  })
  const children = await options.children?.(outbox)
  const sender = reportSender()({ ...common, libp2p: mesh.libp2p, outbox })
  const log = logger.forComponent('fleet:plans')
  const recent: PlansView['recentRejections'] = []
  const onError = (what: string) => (err: unknown) => { log.error('%s: %s', what, (err as Error).message) }

  gossip.onPlan(({ plan }) => {
    applier.apply(plan).catch(onError(`cannot apply plan ${plan.deploymentId}#${plan.seq}`))
    children?.apply(plan).catch(onError(`cannot apply plan ${plan.deploymentId}#${plan.seq} to the gateway's children`))
  })
  gossip.onRejected(rejection => {
    recent.push({ ...rejection })
    if (recent.length > RECENT_REJECTIONS_MAX) recent.shift()
    applier.reportRejection(rejection).catch(onError('cannot report a refused plan'))
  })
  const catchUp = async (): Promise<void> => {
    for (const peer of mesh.libp2p.getPeers()) {
      const info = await mesh.libp2p.peerStore.get(peer).catch(() => undefined)
      if (info?.protocols.includes(PLAN_SYNC_PROTOCOL) !== true) continue
      await gossip.syncWith(peer).catch((err: unknown) => { log.debug('sync with %s failed: %s', peer.toString(), (err as Error).message) })
    }
  }
  applier.start()
  try {
    await gossip.start()
    sender.start()
    await applier.reconcile()
    // Children act on held plans too (their own records say which they already acted on).
    if (children != null) void reconcileChildren(store, children, common.clock.nowMs()).catch(onError('cannot apply held plans to the gateway\'s children'))
    // Peers the mesh identified before gossip listened (the bootstrap ones): catch up from them now.
    void catchUp()
  } catch (err) {
    applier.stop()
    await sender.stop()
    await gossip.stop()
    await store.flushed()
    await outbox.close()
    throw err
  }

  const view = (): PlansView => ({
    fleetId,
    device: { id: device.id, labels: { ...device.labels }, groups: [...device.groups] },
    plans: store.list().map(held => {
      const plan = decodePlan(decodeSignedPlan(held.bytes).plan)
      const phase = plan.cohort?.currentPhase ?? 0
      const applied = store.applied(held.deploymentId)
      return {
        deploymentId: held.deploymentId,
        seq: held.seq,
        app: plan.app?.name ?? '',
        version: plan.manifest?.version ?? '',
        phase,
        phaseBasisPoints: plan.cohort?.phaseBasisPoints[phase] ?? 0,
        target: plan.cohort?.target ?? '',
        ...(plan.rollbackTo != null ? { rollbackTo: plan.rollbackTo } : {}),
        issuedMs: held.issuedMs,
        expiresMs: held.expiresMs,
        ...(applied != null ? { applied: { seq: applied.seq, outcome: applied.outcome, ...(applied.version != null ? { version: applied.version } : {}) } } : {})
      }
    }),
    outbox: outbox.stats(),
    sender: sender.stats(),
    gossip: gossip.stats(),
    rejected: gossip.stats().rejected,
    recentRejections: [...recent]
  })

  return {
    routes: { 'GET /v1/plans': () => view() },
    outboxPending: () => outbox.stats().pending,
    stop: async () => {
      applier.stop()
      await sender.stop()
      await gossip.stop()
      await store.flushed()
      await outbox.close()
    }
  }
}

/** Unexpired held plans, oldest first, to a gateway's children (after a restart: what they missed). */
async function reconcileChildren (store: PlanStore, children: { apply(plan: Plan): Promise<unknown> }, nowMs: number): Promise<void> {
  const due = store.list().filter(h => h.expiresMs > nowMs).sort((a, b) => a.issuedMs - b.issuedMs)
  for (const held of due) await children.apply(decodePlan(decodeSignedPlan(held.bytes).plan))
}
