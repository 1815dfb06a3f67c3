/**
 * Protocol ids, topics and limits of plans and reports, each with the reason for its value
 * (STYLE rule 8). Wire limits (message sizes) live in proto/constants.ts.
 */

const KiB = 1024
const MiB = 1024 * KiB

/**
 * Prefix of the bytes a plan signature covers: `utf8(PLAN_SIGNING_DOMAIN) || SignedPlan.plan`.
 * A key that signs plans may also sign manifests or key updates; the domain makes a signature
 * made for one of them worthless as a signature of another.
 */
export const PLAN_SIGNING_DOMAIN = 'fleetd/plan/v1\n'

/** Only trusted keys with this role sign plans; an artifact key that leaks cannot deploy. */
export const PLAN_SIGNER_ROLE = 'coordinator'

/** Anti-entropy: ask a peer for plans newer than the ones held (delivery.proto PlanSummary). */
export const PLAN_SYNC_PROTOCOL = '/fleetd/plans-sync/1.0.0'

/** Delivery of a device's outbox to the coordinator (delivery.proto ReportAck). */
export const REPORTS_PROTOCOL = '/fleetd/reports/1.0.0'

/** Deployment ids end up in file names of reports and in summaries: short, printable. */
export const DEPLOYMENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/

// Plan store (one JSON file per node).

/**
 * Deployments whose latest plan a node keeps and relays. A fleet runs a few deployments at a
 * time; 128 keeps history for anti-entropy without the file growing past a few hundred KiB
 * of typical plans. Past it, the plans that expire first are dropped.
 */
export const PLAN_STORE_DEPLOYMENTS_MAX = 128

/** Bytes of plans kept, whatever their count: the file is rewritten on every change. */
export const PLAN_STORE_BYTES_MAX = 8 * MiB

/** Applied-seq records kept (tiny); twice the plans, so a dropped plan's seq still refuses replays. */
export const APPLIED_RECORDS_MAX = 2 * PLAN_STORE_DEPLOYMENTS_MAX

// Anti-entropy (/fleetd/plans-sync/1.0.0).

/** Period of the background sync with one random peer: repairs lost gossip within a minute. */
export const SYNC_INTERVAL_MS = 30_000

/** Plans per sync answer; the asker asks again when an answer was full. */
export const SYNC_PLANS_PER_RESPONSE_MAX = 32

/** Bytes per sync answer: bounded memory on both ends however large plans get. */
export const SYNC_RESPONSE_BYTES_MAX = 2 * MiB

/** Rounds per sync with one peer: SYNC_ROUNDS_MAX × SYNC_PLANS_PER_RESPONSE_MAX ≥ PLAN_STORE_DEPLOYMENTS_MAX. */
export const SYNC_ROUNDS_MAX = 8

/** One sync round on a LAN takes milliseconds; a stuck peer must not hold a stream. */
export const SYNC_TIMEOUT_MS = 10_000

/** Syncs this node runs at once: a node joining a site connects to dozens of peers together. */
export const SYNC_CONCURRENT_MAX = 4

/** Sync streams a node answers at once: every peer of a site may ask after a restart. */
export const SYNC_INBOUND_STREAMS_MAX = 16

// Report outbox (a level database per node).

/** Reports kept until delivered: days of reports of a busy device; past it the oldest are dropped and counted. */
export const REPORT_OUTBOX_ENTRIES_MAX = 10_000

/** Bytes of reports kept: the outbox must not fill a small device's disk. */
export const REPORT_OUTBOX_BYTES_MAX = 16 * MiB

/** Characters of a report's error message: enough for a tool's quoted output, far below the report's wire limit. */
export const REPORT_ERROR_MESSAGE_CHARS_MAX = 4096

/**
 * Reports per delivery stream: one round trip delivers a backlog quickly, and an ack covers a
 * bounded batch. 256 rather than 64: every inbound stream costs the receiver a libp2p protocol
 * negotiation and a peer-store merge (a LevelDB read), and with 64 that was the coordinator's
 * limit in bench:telemetry (8,600 reports/s; 12,800 with 256, 12,400 with 1,024). A receiver
 * with a lower limit acks what it took and the sender sends the rest again.
 */
export const REPORT_BATCH_MAX = 256

/** Bytes per delivery batch. */
export const REPORT_BATCH_BYTES_MAX = 1 * MiB

/** Retry backoff of delivery (full jitter): soon after a blip, never hammering a struggling coordinator. */
export const REPORT_RETRY_BASE_MS = 1_000
export const REPORT_RETRY_CAP_MS = 60_000

/** One batch delivered and acked; the coordinator persists reports before it acks. */
export const REPORT_DELIVERY_TIMEOUT_MS = 15_000

/**
 * With reports waiting and no peer known to take them, look again this often. The mesh runs
 * identify only when a connection opens, so a coordinator that registered its handler after a
 * device connected is found by re-identifying connected peers (REPORT_REIDENTIFY_PEERS_MAX each time).
 */
export const REPORT_IDLE_CHECK_MS = 30_000
export const REPORT_REIDENTIFY_PEERS_MAX = 4
/** Known receivers (peers whose stored protocols list REPORTS_PROTOCOL) a device with no connected one dials per round. */
export const REPORT_REDIAL_RECEIVERS_MAX = 3
/** Delivery failures in a row logged at debug level before they are logged at info. */
export const REPORT_FAILURES_QUIET_MAX = 3

/** Report streams a receiver answers at once (per connection): one per device is the norm. */
export const REPORT_INBOUND_STREAMS_MAX = 32

/** A receiver gives a sender this long between frames of a batch. */
export const REPORT_RECEIVE_TIMEOUT_MS = 30_000

// Plan applier.

/** The same refusal (reason, deployment, seq) is reported at most once per this period: a replaying peer cannot flood the outbox. */
export const REJECTION_REPORT_INTERVAL_MS = 10 * 60_000

/** Refusals remembered for that rate limit. */
export const REJECTION_KEYS_MAX = 256

/** Report step of a device that staged a blue-green version (fetched and verified, not switched to). */
export const STEP_STAGE = 'stage'
