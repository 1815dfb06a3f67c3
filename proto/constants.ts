/**
 * Wire versions and decoding limits, each with the reason for its value (STYLE rules 8, 12).
 *
 * A byte limit is checked before any parsing; element limits are passed to protons so a
 * repeated or map field stops growing at its cap. Strings and bytes have no limit of their
 * own: the byte limit of the whole message bounds them. Raising a limit is a compatibility
 * change: old receivers keep refusing what they consider too big, so raise it on receivers first.
 */

const KiB = 1024
const MiB = 1024 * KiB

/**
 * Written in the `version` field of every envelope (FleetMessage, SignedPlan, DeviceReport,
 * JoinToken). Protobuf already tolerates added fields; bump this only for a change that old
 * receivers would misread.
 */
export const WIRE_VERSION = 1

// FleetMessage (announce / heartbeat), gossiped to every node of the fleet.

/** Fits an announce with 32 labels at the mesh's longest key/value sizes (~10 KiB) plus addresses; heartbeats are ~100 bytes. */
export const FLEET_MESSAGE_BYTES_MAX = 16 * KiB
/** Labels per announce: twice the mesh's own LABELS_MAX, so the mesh can raise it without a wire change. */
export const ANNOUNCE_LABELS_MAX = 64
/** Listen multiaddrs per device: a few interfaces times a few transports. */
export const ANNOUNCE_ADDRESSES_MAX = 32

// DeviceMetrics, sent periodically by every device.

/** Worst case of the element limits below is ~170 KiB; a metrics sample must stay cheap to gossip or store. */
export const DEVICE_METRICS_BYTES_MAX = 256 * KiB
/** Network interfaces per device, counting virtual ones (bridges, veths of containers). */
export const METRICS_INTERFACES_MAX = 64
/** Addresses per interface (IPv4, IPv6 link-local and global, aliases). */
export const METRICS_INTERFACE_ADDRESSES_MAX = 32
/** Supervised processes per device; edge devices run a handful, a gateway a few dozen. */
export const METRICS_PROCESSES_MAX = 256
/** Custom metrics per sample: enough for an app's counters, not a time-series dump. */
export const METRICS_CUSTOM_MAX = 1024

// SignedPlan and Plan, gossiped by the coordinator.

/** A plan carries one app spec and one manifest (a few KiB typically); generous for long env maps. */
export const SIGNED_PLAN_BYTES_MAX = 256 * KiB
/** The signed Plan bytes sit inside a SignedPlan, so they cannot be larger. */
export const PLAN_BYTES_MAX = SIGNED_PLAN_BYTES_MAX
/** Command-line arguments of an app. */
export const PLAN_ARGS_MAX = 256
/** Environment variables of an app. */
export const PLAN_ENV_MAX = 256
/** argv entries of an exec health check. */
export const PLAN_HEALTH_COMMAND_MAX = 64
/** Phases of a rollout: one per percent point at most would be 100. */
export const PLAN_PHASES_MAX = 100

// ArtifactManifest, inside a Plan or announced on its own.

/** A manifest is a few hundred bytes plus its signatures. */
export const ARTIFACT_MANIFEST_BYTES_MAX = 16 * KiB
/** Platforms one artifact is built for. */
export const MANIFEST_PLATFORMS_MAX = 32
/** Signatures per manifest: a few signing keys during key rotation. */
export const MANIFEST_SIGNATURES_MAX = 16

// DeviceReport, queued in a device's outbox.

/** A report is small; the outbox holds many of them on devices with little storage. */
export const DEVICE_REPORT_BYTES_MAX = 64 * KiB
/** Metrics in a report's summary: what rollback triggers look at, not a full sample. */
export const REPORT_METRICS_MAX = 256

// JoinToken, pasted by a person or baked into an image.

/** A token is ~1 KiB (95-byte network key, a few keys and bootstrap addresses) and is copied by hand. */
export const JOIN_TOKEN_BYTES_MAX = 4 * KiB
/** Trusted keys per token: coordinator and artifact keys, with room for rotation. */
export const TOKEN_TRUSTED_KEYS_MAX = 16
/** Bootstrap multiaddrs per token. */
export const TOKEN_BOOTSTRAP_MAX = 16

// SwarmMessage, on /fleetd/swarm/1.0.0 streams.

/** Largest leaf a swarm carries: the importer's 1 MiB maximum chunk with headroom, and bitswap's own 2 MiB block cap. */
export const SWARM_BLOCK_BYTES_MAX = 2 * MiB
/** A message is one block plus a few bytes of framing. */
export const SWARM_MESSAGE_BYTES_MAX = SWARM_BLOCK_BYTES_MAX + 4 * KiB
/** Leaves per artifact a swarm tracks: 2^20 leaves of ≥64 KiB is ≥64 GiB, beyond any device artifact; bitfield ≤ 128 KiB. */
export const SWARM_BLOCKS_MAX = 1 << 20
/** Indices per have/request/cancel/reject message; more go in several messages. */
export const SWARM_INDICES_MAX = 4096

// PlanSummary and ReportAck, on the /fleetd/plans-sync and /fleetd/reports streams (delivery.proto).

/** Deployments in one summary: a node sends at most 384 (node/plans keeps 128 plans and 256 applied records); the headroom lets nodes keep more without a wire change. */
export const PLAN_SUMMARY_ENTRIES_MAX = 1024
/** Fits PLAN_SUMMARY_ENTRIES_MAX entries with 128-character deployment ids. */
export const PLAN_SUMMARY_BYTES_MAX = 256 * KiB
/** An ack is a version and one sequence number: a few bytes. */
export const REPORT_ACK_BYTES_MAX = 64

// LogRequest and LogFrame, on /fleetd/logs/1.0.0 streams (logs.proto).

/** A request is ids, an app name, a few numbers and a 64-byte signature: 4 KiB is plenty. */
export const LOG_REQUEST_BYTES_MAX = 4 * KiB
/** Lines in one frame: enough to move a burst in few frames, few enough to stay under the byte limit. */
export const LOG_FRAME_LINES_MAX = 256
/** One frame: LOG_FRAME_LINES_MAX short lines, or a few of node/runtime/logs' 16 KiB maximum lines. */
export const LOG_FRAME_BYTES_MAX = 256 * KiB
