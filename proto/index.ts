/**
 * FleetD wire messages: the `.proto` files beside this one are the contract, the code in
 * `generated/` is protons output (`npm run proto:gen`), and this module is the only way in.
 * Every `decodeX` is bounded: input over the message's byte limit is refused unread, repeated
 * and map fields stop at their limits (constants.ts), and every failure is a `WireDecodeError`
 * with a stable `code`. Every `encodeX` refuses what receivers would refuse (`WireEncodeError`).
 *
 * Decoded `bytes` fields are views into the input buffer; copy them to keep them longer than
 * the buffer lives. 64-bit integers are `number`s (`[jstype = JS_NUMBER]`), enums are
 * TypeScript string enums (`Tier.FULL_OS === 'FULL_OS'`; see `tierToNumber`).
 *
 * @example
 * ```ts
 * import { decodeFleetMessage, encodeFleetMessage, WIRE_VERSION, WireDecodeError } from '../proto/index.js'
 *
 * const bytes = encodeFleetMessage({
 *   version: WIRE_VERSION,
 *   heartbeat: { deviceId: '12D3KooWExample', seq: 7, sentMs: 1_700_000_000_000, uptimeMs: 60_000, connectedPeers: 3 }
 * })
 * try {
 *   const message = decodeFleetMessage(bytes)
 *   if (message.heartbeat != null) console.log(message.heartbeat.seq) // 7
 * } catch (err) {
 *   if (err instanceof WireDecodeError) console.log(err.code) // e.g. 'FLEET_ERR_WIRE_TOO_LARGE'
 * }
 * ```
 */
import { decodeBounded, encodeChecked } from './bounded-codec.js'
import {
  artifactManifestFormat, deviceMetricsFormat, deviceReportFormat, fleetMessageFormat, joinTokenFormat, logFrameFormat, logRequestBodyFormat, logRequestFormat, planFormat,
  planSummaryFormat, reportAckFormat, signedPlanFormat, swarmMessageFormat
} from './wire-formats.js'
import type { PlanSummary, ReportAck } from './generated/delivery.js'
import type { Encodable } from './bounded-codec.js'
import type { LogFrame, LogRequest, LogRequestBody } from './generated/logs.js'
import type { DeviceMetrics } from './generated/metrics.js'
import type { ArtifactManifest, Plan, SignedPlan } from './generated/plan.js'
import type { FleetMessage } from './generated/presence.js'
import type { DeviceReport } from './generated/report.js'
import type { SwarmMessage } from './generated/swarm.js'
import type { JoinToken } from './generated/token.js'
import type { Uint8ArrayList } from 'uint8arraylist'

export * from './constants.js'
export { WIRE_ERROR_CODES, WireDecodeError, WireEncodeError } from './errors.js'
export type { WireDecodeErrorCode, WireErrorCode } from './errors.js'
export type { Encodable } from './bounded-codec.js'
export { tierFromNumber, tierToNumber } from './tier.js'
export { encodeSwarmBlockParts } from './swarm-block.js'
// Messages are exported as types only: their generated namespaces hold unbounded decoders.
// Enums are values, needed to build messages.
export type { DeviceMetrics, LoadAverage, NetworkInterface, ProcessStatus, SystemInfo } from './generated/metrics.js'
export type {
  AppSpec, ArtifactManifest, CohortRule, HealthCheck, Plan, ResourceLimits, Signature, SignedPlan
} from './generated/plan.js'
export type { DeviceAnnounce, FleetMessage, Heartbeat } from './generated/presence.js'
export { Tier } from './generated/presence.js'
export type { DeviceReport } from './generated/report.js'
export type { LogFrame, LogRequest, LogRequestBody } from './generated/logs.js'
export { Health } from './generated/report.js'
export type { JoinToken, TrustedKey } from './generated/token.js'
export type { PlanSeq, PlanSummary, ReportAck } from './generated/delivery.js'
export type { SwarmBlock, SwarmCancel, SwarmDag, SwarmHave, SwarmHello, SwarmMessage, SwarmReject, SwarmRequest } from './generated/swarm.js'

/** Input accepted by every decoder: gossip hands out Uint8Array, streams Uint8ArrayList. */
export type WireBytes = Uint8Array | Uint8ArrayList

/** Presence gossip. An envelope with neither `announce` nor `heartbeat` comes from a newer sender: skip it. */
export function decodeFleetMessage (bytes: WireBytes): FleetMessage {
  return decodeBounded(fleetMessageFormat, bytes)
}

/** Requires exactly one of `announce` and `heartbeat`, and a version. */
export function encodeFleetMessage (message: Encodable<FleetMessage>): Uint8Array<ArrayBuffer> {
  return encodeChecked(fleetMessageFormat, message)
}

export function decodeDeviceMetrics (bytes: WireBytes): DeviceMetrics {
  return decodeBounded(deviceMetricsFormat, bytes)
}

export function encodeDeviceMetrics (metrics: Encodable<DeviceMetrics>): Uint8Array<ArrayBuffer> {
  return encodeChecked(deviceMetricsFormat, metrics)
}

/** Verify `signature` over `plan` (the bytes as received) before calling `decodePlan(plan)`. */
export function decodeSignedPlan (bytes: WireBytes): SignedPlan {
  return decodeBounded(signedPlanFormat, bytes)
}

export function encodeSignedPlan (signed: Encodable<SignedPlan>): Uint8Array<ArrayBuffer> {
  return encodeChecked(signedPlanFormat, signed)
}

/** Decodes the `plan` bytes of a SignedPlan whose signature checked out. */
export function decodePlan (bytes: WireBytes): Plan {
  return decodeBounded(planFormat, bytes)
}

/** The bytes to sign and to put in `SignedPlan.plan`. */
export function encodePlan (plan: Encodable<Plan>): Uint8Array<ArrayBuffer> {
  return encodeChecked(planFormat, plan)
}

export function decodeArtifactManifest (bytes: WireBytes): ArtifactManifest {
  return decodeBounded(artifactManifestFormat, bytes)
}

/** The canonical manifest bytes that manifest signatures cover: encode with `signatures: []`. */
export function encodeArtifactManifest (manifest: Encodable<ArtifactManifest>): Uint8Array<ArrayBuffer> {
  return encodeChecked(artifactManifestFormat, manifest)
}

export function decodeDeviceReport (bytes: WireBytes): DeviceReport {
  return decodeBounded(deviceReportFormat, bytes)
}

export function encodeDeviceReport (report: Encodable<DeviceReport>): Uint8Array<ArrayBuffer> {
  return encodeChecked(deviceReportFormat, report)
}

/** A join token carries the fleet's network key: never log the decoded value. */
export function decodeJoinToken (bytes: WireBytes): JoinToken {
  return decodeBounded(joinTokenFormat, bytes)
}

export function encodeJoinToken (token: Encodable<JoinToken>): Uint8Array<ArrayBuffer> {
  return encodeChecked(joinTokenFormat, token)
}

/** One message of the artifact swarm protocol; blocks inside are checked against their CIDs by the receiver. */
export function decodeSwarmMessage (bytes: WireBytes): SwarmMessage {
  return decodeBounded(swarmMessageFormat, bytes)
}

/** Requires exactly one body and a version. */
export function encodeSwarmMessage (message: Encodable<SwarmMessage>): Uint8Array<ArrayBuffer> {
  return encodeChecked(swarmMessageFormat, message)
}

/** What a node holds, sent first on /fleetd/plans-sync/1.0.0 (delivery.proto). */
export function decodePlanSummary (bytes: WireBytes): PlanSummary {
  return decodeBounded(planSummaryFormat, bytes)
}

export function encodePlanSummary (summary: Encodable<PlanSummary>): Uint8Array<ArrayBuffer> {
  return encodeChecked(planSummaryFormat, summary)
}

/** The receiver's answer to a batch of reports on /fleetd/reports/1.0.0 (delivery.proto). */
export function decodeReportAck (bytes: WireBytes): ReportAck {
  return decodeBounded(reportAckFormat, bytes)
}

export function encodeReportAck (ack: Encodable<ReportAck>): Uint8Array<ArrayBuffer> {
  return encodeChecked(reportAckFormat, ack)
}

/** /fleetd/logs/1.0.0, the asker's one frame: verify `signature` over `body` before `decodeLogRequestBody(body)`. */
export function decodeLogRequest (bytes: WireBytes): LogRequest {
  return decodeBounded(logRequestFormat, bytes)
}

export function encodeLogRequest (request: Encodable<LogRequest>): Uint8Array<ArrayBuffer> {
  return encodeChecked(logRequestFormat, request)
}

export function decodeLogRequestBody (bytes: WireBytes): LogRequestBody {
  return decodeBounded(logRequestBodyFormat, bytes)
}

/** The bytes to sign and to put in `LogRequest.body`. */
export function encodeLogRequestBody (body: Encodable<LogRequestBody>): Uint8Array<ArrayBuffer> {
  return encodeChecked(logRequestBodyFormat, body)
}

/** The device's answers on /fleetd/logs/1.0.0. */
export function decodeLogFrame (bytes: WireBytes): LogFrame {
  return decodeBounded(logFrameFormat, bytes)
}

export function encodeLogFrame (frame: Encodable<LogFrame>): Uint8Array<ArrayBuffer> {
  return encodeChecked(logFrameFormat, frame)
}
