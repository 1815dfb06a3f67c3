/** The bounds of every top-level message: byte limit, element limits, encode-time rules. */
import {
  ANNOUNCE_ADDRESSES_MAX, ANNOUNCE_LABELS_MAX, ARTIFACT_MANIFEST_BYTES_MAX, DEVICE_METRICS_BYTES_MAX,
  DEVICE_REPORT_BYTES_MAX, FLEET_MESSAGE_BYTES_MAX, JOIN_TOKEN_BYTES_MAX, LOG_FRAME_BYTES_MAX, LOG_FRAME_LINES_MAX, LOG_REQUEST_BYTES_MAX, MANIFEST_PLATFORMS_MAX,
  MANIFEST_SIGNATURES_MAX, METRICS_CUSTOM_MAX, METRICS_INTERFACE_ADDRESSES_MAX, METRICS_INTERFACES_MAX,
  METRICS_PROCESSES_MAX, PLAN_ARGS_MAX, PLAN_BYTES_MAX, PLAN_ENV_MAX, PLAN_HEALTH_COMMAND_MAX, PLAN_PHASES_MAX,
  PLAN_SUMMARY_BYTES_MAX, PLAN_SUMMARY_ENTRIES_MAX, REPORT_ACK_BYTES_MAX, REPORT_METRICS_MAX, SIGNED_PLAN_BYTES_MAX,
  SWARM_INDICES_MAX, SWARM_MESSAGE_BYTES_MAX, TOKEN_BOOTSTRAP_MAX, TOKEN_TRUSTED_KEYS_MAX
} from './constants.js'
import { PlanSummary, ReportAck } from './generated/delivery.js'
import { LogFrame, LogRequest, LogRequestBody } from './generated/logs.js'
import { DeviceMetrics } from './generated/metrics.js'
import { ArtifactManifest, Plan, SignedPlan } from './generated/plan.js'
import { FleetMessage } from './generated/presence.js'
import { DeviceReport } from './generated/report.js'
import { SwarmMessage } from './generated/swarm.js'
import { JoinToken } from './generated/token.js'
import type { WireFormat, WireLimits } from './bounded-codec.js'

/** Envelopes must say which version wrote them (STYLE rule 12); 0 means the sender forgot. */
function versionUnset (version: number): string | undefined {
  return version === 0 ? 'version is 0; set it to WIRE_VERSION' : undefined
}

const manifestLimits: WireLimits<ArtifactManifest> = {
  platforms: MANIFEST_PLATFORMS_MAX,
  signatures: MANIFEST_SIGNATURES_MAX
}

export const fleetMessageFormat: WireFormat<FleetMessage> = {
  messageType: 'FleetMessage',
  codec: FleetMessage,
  bytesMax: FLEET_MESSAGE_BYTES_MAX,
  bytesMaxName: 'FLEET_MESSAGE_BYTES_MAX',
  limits: { announce: { labels: ANNOUNCE_LABELS_MAX, addresses: ANNOUNCE_ADDRESSES_MAX } },
  // protons would silently drop one member of the oneof if both were set.
  invalid: m => (m.announce == null) === (m.heartbeat == null)
    ? 'exactly one of announce and heartbeat must be set'
    : versionUnset(m.version)
}

export const deviceMetricsFormat: WireFormat<DeviceMetrics> = {
  messageType: 'DeviceMetrics',
  codec: DeviceMetrics,
  bytesMax: DEVICE_METRICS_BYTES_MAX,
  bytesMaxName: 'DEVICE_METRICS_BYTES_MAX',
  limits: {
    interfaces: METRICS_INTERFACES_MAX,
    interfaces$: { addresses: METRICS_INTERFACE_ADDRESSES_MAX },
    processes: METRICS_PROCESSES_MAX,
    customMetrics: METRICS_CUSTOM_MAX
  }
}

export const signedPlanFormat: WireFormat<SignedPlan> = {
  messageType: 'SignedPlan',
  codec: SignedPlan,
  bytesMax: SIGNED_PLAN_BYTES_MAX,
  bytesMaxName: 'SIGNED_PLAN_BYTES_MAX',
  limits: {},
  invalid: m => versionUnset(m.version)
}

export const planFormat: WireFormat<Plan> = {
  messageType: 'Plan',
  codec: Plan,
  bytesMax: PLAN_BYTES_MAX,
  bytesMaxName: 'PLAN_BYTES_MAX',
  limits: {
    app: { args: PLAN_ARGS_MAX, env: PLAN_ENV_MAX, healthCheck: { command: PLAN_HEALTH_COMMAND_MAX } },
    manifest: manifestLimits,
    cohort: { phaseBasisPoints: PLAN_PHASES_MAX }
  }
}

export const artifactManifestFormat: WireFormat<ArtifactManifest> = {
  messageType: 'ArtifactManifest',
  codec: ArtifactManifest,
  bytesMax: ARTIFACT_MANIFEST_BYTES_MAX,
  bytesMaxName: 'ARTIFACT_MANIFEST_BYTES_MAX',
  limits: manifestLimits
}

export const deviceReportFormat: WireFormat<DeviceReport> = {
  messageType: 'DeviceReport',
  codec: DeviceReport,
  bytesMax: DEVICE_REPORT_BYTES_MAX,
  bytesMaxName: 'DEVICE_REPORT_BYTES_MAX',
  limits: { metrics: REPORT_METRICS_MAX },
  invalid: m => versionUnset(m.version)
}

export const joinTokenFormat: WireFormat<JoinToken> = {
  messageType: 'JoinToken',
  codec: JoinToken,
  bytesMax: JOIN_TOKEN_BYTES_MAX,
  bytesMaxName: 'JOIN_TOKEN_BYTES_MAX',
  limits: { trustedKeys: TOKEN_TRUSTED_KEYS_MAX, bootstrap: TOKEN_BOOTSTRAP_MAX },
  invalid: m => versionUnset(m.version)
}

const swarmBodies = ['hello', 'have', 'request', 'block', 'cancel', 'reject', 'dag'] as const

export const swarmMessageFormat: WireFormat<SwarmMessage> = {
  messageType: 'SwarmMessage',
  codec: SwarmMessage,
  bytesMax: SWARM_MESSAGE_BYTES_MAX,
  bytesMaxName: 'SWARM_MESSAGE_BYTES_MAX',
  limits: {
    have: { indices: SWARM_INDICES_MAX },
    request: { indices: SWARM_INDICES_MAX },
    cancel: { indices: SWARM_INDICES_MAX },
    reject: { indices: SWARM_INDICES_MAX },
    dag: { nodes: SWARM_INDICES_MAX }
  },
  invalid: m => swarmBodies.filter(b => m[b] != null).length !== 1
    ? 'exactly one of hello, have, request, block, cancel, reject and dag must be set'
    : versionUnset(m.version)
}

export const planSummaryFormat: WireFormat<PlanSummary> = {
  messageType: 'PlanSummary',
  codec: PlanSummary,
  bytesMax: PLAN_SUMMARY_BYTES_MAX,
  bytesMaxName: 'PLAN_SUMMARY_BYTES_MAX',
  limits: { plans: PLAN_SUMMARY_ENTRIES_MAX },
  invalid: m => versionUnset(m.version)
}

export const reportAckFormat: WireFormat<ReportAck> = {
  messageType: 'ReportAck',
  codec: ReportAck,
  bytesMax: REPORT_ACK_BYTES_MAX,
  bytesMaxName: 'REPORT_ACK_BYTES_MAX',
  limits: {},
  invalid: m => versionUnset(m.version)
}

export const logRequestFormat: WireFormat<LogRequest> = {
  messageType: 'LogRequest',
  codec: LogRequest,
  bytesMax: LOG_REQUEST_BYTES_MAX,
  bytesMaxName: 'LOG_REQUEST_BYTES_MAX',
  limits: {},
  invalid: m => versionUnset(m.version)
}

export const logRequestBodyFormat: WireFormat<LogRequestBody> = {
  messageType: 'LogRequestBody',
  codec: LogRequestBody,
  bytesMax: LOG_REQUEST_BYTES_MAX,
  bytesMaxName: 'LOG_REQUEST_BYTES_MAX',
  limits: {}
}

export const logFrameFormat: WireFormat<LogFrame> = {
  messageType: 'LogFrame',
  codec: LogFrame,
  bytesMax: LOG_FRAME_BYTES_MAX,
  bytesMaxName: 'LOG_FRAME_BYTES_MAX',
  limits: { lines: LOG_FRAME_LINES_MAX },
  invalid: m => versionUnset(m.version)
}
