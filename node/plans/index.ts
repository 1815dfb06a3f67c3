/**
 * Signed deployment plans and device reports (DESIGN "Plan", "DeviceReport", flows "Deploy"
 * and "Partition"): signing and verification, the device's plan store, gossip of plans on the
 * fleet's plans topic with anti-entropy between any two peers, the plan applier that hands a
 * device's part of a plan to the agent, and the durable report outbox with its delivery to
 * the coordinator.
 *
 * Protocols: gossip topic `/fleetd/1/<fleetId>/plans` (SignedPlan bytes),
 * `/fleetd/plans-sync/1.0.0` (PlanSummary → SignedPlans), `/fleetd/reports/1.0.0`
 * (DeviceReports → ReportAck); messages in proto/plan.proto, report.proto, delivery.proto.
 *
 * @example
 * ```ts
 * import { generateKeyPair } from '@libp2p/crypto/keys'
 * import { encodeSignedPlan } from '../proto/index.js'
 * import { keyIdOf } from './fleet/index.js'
 * import { openPlanStore, openReportOutbox, planApplier, planGossip, reportSender, signPlan, verifyPlan } from './plans/index.js'
 * import type { Agent } from './agent/index.js'
 * import type { MeshNode } from './mesh/index.js'
 * import { silentLogger } from './logging/index.js'
 * import { systemClock, systemRandom } from './ports/index.js'
 * declare const mesh: MeshNode
 * declare const agent: Agent
 *
 * // The coordinator signs; every node verifies the bytes it received.
 * const key = await generateKeyPair('Ed25519')
 * const trustedKeys = [{ keyId: keyIdOf(key.publicKey.raw), publicKey: key.publicKey.raw, role: 'coordinator' }]
 * const nowMs = Date.now()
 * const signed = await signPlan({
 *   fleetId: 'fleet-1', deploymentId: 'dep-1', seq: 1, issuedMs: nowMs, expiresMs: nowMs + 3_600_000, strategy: 'canary',
 *   app: { name: 'edge-app', runtime: 'process', args: [], env: new Map(), restartPolicy: '' },
 *   manifest: { name: 'edge-app', version: '1.2.0', platforms: ['linux/arm64'], type: 'binary', size: 1, sha256: new Uint8Array(32), cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', createdMs: nowMs, signatures: [] },
 *   cohort: { phaseBasisPoints: [500, 10_000], currentPhase: 0, target: 'group:cameras' }
 * }, key)
 * const result = await verifyPlan(encodeSignedPlan(signed), { trustedKeys, fleetId: 'fleet-1', lastSeq: () => undefined, nowMs })
 * console.log(result.ok ? result.plan.seq : `${result.reason}: ${result.message}`) // 1
 *
 * // On a node: gossip and anti-entropy feed the applier; the outbox carries reports home.
 * const common = { clock: systemClock(), random: systemRandom(), logger: silentLogger }
 * const store = await openPlanStore('/var/lib/fleetd')
 * const outbox = await openReportOutbox('/var/lib/fleetd', { clock: common.clock, deviceId: mesh.peerId })
 * const gossip = planGossip()({ ...common, libp2p: mesh.libp2p, store, fleetId: 'fleet-1', trustedKeys: () => trustedKeys })
 * const applier = planApplier()({
 *   ...common, store, outbox, agentEvents: agent, setApp: async (spec, manifest) => await agent.setApp(spec, manifest),
 *   device: () => ({ id: mesh.peerId, labels: {}, groups: ['cameras'] })
 * })
 * gossip.onPlan(({ plan }) => { void applier.apply(plan) })
 * gossip.onRejected(rejection => { void applier.reportRejection(rejection) })
 * const sender = reportSender()({ ...common, libp2p: mesh.libp2p, outbox })
 * applier.start(); await gossip.start(); sender.start(); await applier.reconcile()
 * ```
 */
import { PlanApplier } from './plan-applier.js'
import { PlanGossip } from './plan-gossip.js'
import { PlanStore } from './plan-store.js'
import { ReportOutbox } from './report-outbox.js'
import { ReportSender } from './report-sender.js'
import type { ManifestLookup } from './app-conversion.js'
import type { PlanRejectionReason } from './errors.js'
import type { PlanStoreInit } from './plan-store.js'
import type { ReportOutboxComponents, ReportOutboxInit } from './report-outbox.js'
import type { DeviceIdentity } from './target-selector.js'
import type { TrustedKey } from '../../content/keys/index.js'
import type { AgentEvent } from '../agent/index.js'
import type { ComponentLogger } from '../logging/index.js'
import type { FleetLibp2p } from '../mesh/index.js'
import type { Clock, Random } from '../ports/index.js'
import type { DeviceReport, Plan, SignedPlan } from '../../proto/index.js'

/** Where a plan came from: gossip, anti-entropy, or this node's own publish. */
export type PlanSource = 'gossip' | 'sync' | 'local'

/** A verified plan that is news to this node, just stored. */
export interface ReceivedPlan {
  plan: Plan
  signed: SignedPlan
  source: PlanSource
  /** Peer that sent it (for gossip: the relaying peer). */
  from: string
}

/** A plan this node refused, with why and what to do. */
export interface PlanRejection {
  reason: PlanRejectionReason
  message: string
  source: PlanSource
  from: string
  /** Known when the signature checked out (fleet, stale, expired). */
  deploymentId?: string
  seq?: number
  atMs: number
}

export interface PlanGossipStats {
  accepted: Record<PlanSource, number>
  /** Copies of plans already held (normal: gossip and sync overlap). */
  duplicates: number
  rejected: Partial<Record<PlanRejectionReason, number>>
  syncs: number
  syncFailures: number
}

export interface PlanGossipInit {
  /** Period of the background anti-entropy with one random peer (jittered ×0.5–1). @default SYNC_INTERVAL_MS */
  syncIntervalMs?: number
}

export interface PlanGossipComponents {
  libp2p: Pick<FleetLibp2p, 'peerId' | 'services' | 'handle' | 'unhandle' | 'dialProtocol' | 'getPeers' | 'peerStore' | 'addEventListener' | 'removeEventListener'>
  store: PlanStore
  clock: Clock
  random: Random
  logger: ComponentLogger
  fleetId: string
  /** The keys this node trusts now (signed key updates change them). */
  trustedKeys(): readonly TrustedKey[]
}

export interface ReportSenderStats {
  delivered: number
  batches: number
  failures: number
  lastError?: string
  lastDeliveredMs?: number
}

export interface ReportSenderInit {
  /** @default REPORT_RETRY_BASE_MS */
  retryBaseMs?: number
  /** @default REPORT_RETRY_CAP_MS */
  retryCapMs?: number
  /** With nothing to send or nobody to send to, look again after this. @default REPORT_IDLE_CHECK_MS */
  idleCheckMs?: number
  /** Reports per delivery stream. @default REPORT_BATCH_MAX */
  batchMax?: number
}

export interface ReportSenderComponents {
  libp2p: Pick<FleetLibp2p, 'getConnections' | 'peerStore' | 'dial' | 'dialProtocol' | 'addEventListener' | 'removeEventListener' | 'services'>
  outbox: Pick<ReportOutbox, 'peek' | 'ack' | 'stats' | 'onAppend'>
  clock: Clock
  random: Random
  logger: ComponentLogger
}

export interface ReportReceiverInit {
  logger?: ComponentLogger
  /**
   * Handles a whole batch at once instead of `onReport` one by one (the coordinator stores a
   * batch of telemetry in one write): resolves to how many reports, from the first, it
   * persisted; the ack covers those. @default none (onReport per report)
   */
  onBatch?: (reports: DeviceReport[], context: { from: string }) => Promise<number>
  /** @default REPORT_INBOUND_STREAMS_MAX */
  maxInboundStreams?: number
}

export interface ReportReceiver {
  stats(): { received: number, failed: number, batches: number }
  /** Unregisters the protocol handler. */
  stop(): Promise<void>
}

export type ApplyOutcome =
  | { kind: 'applied', app: string, version: string, rollback: boolean, /** Same spec and manifest as this deployment's previous seq: the agent was not called. */ unchanged: boolean }
  | { kind: 'skipped', reason: 'already-applied' | 'not-targeted' | 'not-in-cohort' }
  | { kind: 'failed', code: string, message: string }

export interface PlanApplierComponents {
  /** What target selectors and the cohort rule look at; read at every plan. */
  device(): DeviceIdentity
  /** `Agent.setApp`: the agent's JSON app spec and a manifest in JSON form. */
  setApp(spec: unknown, manifest: unknown): Promise<unknown>
  /** The version of an app running now (the agent's `active`), to report a target already reached. */
  runningVersion?(app: string): string | undefined
  /** Fetches and verifies an artifact without running it (blue-green stage plans); absent: such plans fail. */
  stage?(manifest: unknown): Promise<void>
  /** Manifests of earlier versions, for rollback plans that do not carry the rollback version's manifest. */
  manifestFor?: ManifestLookup
  /** The agent's events (`Agent.onEvent`), turned into reports. */
  agentEvents?: { onEvent(listener: (event: AgentEvent) => void): () => void }
  outbox: Pick<ReportOutbox, 'append'>
  store: Pick<PlanStore, 'applied' | 'setApplied' | 'deploymentOfApp' | 'list'>
  clock: Pick<Clock, 'nowMs'>
  logger: ComponentLogger
}

export function planGossip (init: PlanGossipInit = {}): (components: PlanGossipComponents) => PlanGossip {
  return (components) => new PlanGossip(components, init)
}

export function reportSender (init: ReportSenderInit = {}): (components: ReportSenderComponents) => ReportSender {
  return (components) => new ReportSender(components, init)
}

export function planApplier (): (components: PlanApplierComponents) => PlanApplier {
  return (components) => new PlanApplier(components)
}

/** Opens (or creates) the plan store of a storage dir: `<storageDir>/plans/plans.json`. */
export async function openPlanStore (storageDir: string, init: PlanStoreInit = {}): Promise<PlanStore> {
  return await PlanStore.open(storageDir, init)
}

/** Opens (or creates) the report outbox of a storage dir: a level database in `<storageDir>/reports`. */
export async function openReportOutbox (storageDir: string, components: ReportOutboxComponents, init: ReportOutboxInit = {}): Promise<ReportOutbox> {
  return await ReportOutbox.open(storageDir, components, init)
}

export { signPlan, verifyPlan, planSigningBytes } from './plan-signing.js'
export type { PlanVerification, VerifyPlanOptions } from './plan-signing.js'
export { planProblem } from './plan-check.js'
export { deviceGroups, parseTarget, matchesTarget } from './target-selector.js'
export type { DeviceIdentity, LabelRequirement, TargetSelector } from './target-selector.js'
export { agentAppFromPlan, agentSpec, planManifest } from './app-conversion.js'
export type { AgentApp, ManifestLookup } from './app-conversion.js'
export { cohortBucket, inCohort, COHORT_BUCKETS } from './cohort.js'
export { PlanStore, planDigest, planStorePath } from './plan-store.js'
export type { AppliedRecord, HeldPlan, PlanStoreInit } from './plan-store.js'
export { PlanGossip, plansTopic } from './plan-gossip.js'
export { PlanApplier } from './plan-applier.js'
export { ReportOutbox } from './report-outbox.js'
export type { OutboxEntry, OutboxStats, ReportDraft, ReportOutboxComponents, ReportOutboxInit } from './report-outbox.js'
export { ReportSender } from './report-sender.js'
export { reportReceiver } from './report-receiver.js'
export type { ReportHandler } from './report-receiver.js'
export * from './constants.js'
export { PlanInvalidError, PlanRejectedError, PlanSigningError, PlanStoreError, ReportOutboxError } from './errors.js'
export type { PlanRejectionReason } from './errors.js'
