/**
 * Rollout controller limits, defaults and reasons, each with why it has its value (STYLE rule 8).
 */
import { PLAN_PHASES_MAX } from '../../../proto/index.js'
import { STEP_STAGE } from '../../plans/constants.js'

/** Phases of one deployment: the plan's cohort rule carries one entry per phase, and decoders stop there. */
export const PHASES_MAX = PLAN_PHASES_MAX

/** Rollback triggers per deployment: a handful of metrics is what canary analysis looks at; each costs a lookup per device. */
export const TRIGGERS_MAX = 16

/** Transitions kept in a deployment's state: enough to explain the last hours; the audit log keeps everything. */
export const HISTORY_MAX = 64

/** Failing device ids named in an audit detail: enough to start looking, small enough for a log line. */
export const FAILING_SAMPLE_MAX = 5

/** Longest duration any option accepts (30 days): longer is a typo (seconds read as ms), not a plan. */
export const DURATION_MS_MAX = 30 * 24 * 3_600_000

/** Deployment ids end up in store keys and report file names: node/plans' rule (DEPLOYMENT_ID_PATTERN there). */
export const DEPLOYMENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/

/** The target string rides in every plan (bounded by the plan's byte limit); 64 KiB leaves room for the rest. */
export const TARGET_LENGTH_MAX = 64 * 1024

/** Device ids in an `ids:` target: a libp2p peer id is ~52 characters, so 1,000 of them fit TARGET_LENGTH_MAX. Larger sets are groups. */
export const TARGET_IDS_MAX = 1_000

// Defaults of the deployment spec (see spec.ts); each can be set per deployment.

/** Healthy devices a phase needs before it advances: one device is an anecdote, five start to be a sample. Capped by the cohort size. */
export const MIN_SAMPLES_DEFAULT = 5

/** Samples a trigger needs before it may fire: the same reasoning as MIN_SAMPLES_DEFAULT. */
export const TRIGGER_MIN_SAMPLES_DEFAULT = 5

/**
 * Share of the targeted devices that must report healthy before the last phase succeeds: a
 * handful of healthy canaries in a phase of 10,000 devices is not success, but waiting for 100%
 * would wait forever for the devices that are switched off.
 */
export const SUCCESS_PERCENT_DEFAULT = 90

/** Evaluations without a verdict, past the phase duration, before the deployment pauses as inconclusive. */
export const CONSECUTIVE_INCONCLUSIVE_MAX_DEFAULT = 10

/**
 * Minimum time between two counted evaluations: `decide` may run on every report, so counting
 * inconclusive evaluations per call would pause a busy fleet in seconds and a quiet one never.
 * With the defaults, a phase lacking data pauses 10 minutes after its duration.
 */
export const EVALUATION_INTERVAL_MS_DEFAULT = 60_000

/** A rollback not complete after this long fails: a person must look at the devices still on the new version. */
export const ROLLBACK_TIMEOUT_MS_DEFAULT = 3_600_000

/** A gradual rollback step waits this long for its devices before the rest of the fleet is rolled back at once. */
export const GRADUAL_STEP_TIMEOUT_MS_DEFAULT = 600_000

/** Rolling: a batch lasts at least this long before the next one may start (on top of the availability rule). */
export const ROLLING_BATCH_DURATION_MS_DEFAULT = 60_000

/** All at once: how long the single phase is observed before the deployment succeeds. */
export const ALL_AT_ONCE_DURATION_MS_DEFAULT = 600_000

/** Blue-green: minimum time the standby is observed before the switch. */
export const BLUE_GREEN_STAGE_DURATION_MS_DEFAULT = 300_000

/** Blue-green: how long the switched fleet is observed before the deployment succeeds. */
export const BLUE_GREEN_SWITCH_DURATION_MS_DEFAULT = 300_000

/** Blue-green: share of the targeted devices that must have a healthy standby before the switch. */
export const BLUE_GREEN_STAGED_PERCENT_DEFAULT = 100

// What devices report (the contract with node/agent).

/** `DeviceReport.step` of a device that staged the blue-green version (fetched and verified, not yet switched to). */
export const STEP_STAGED = STEP_STAGE

/** Name of the metric (> 0) by which a device may report a crash loop. */
export const CRASH_LOOP_MARK = 'crash_loop'
/**
 * A crash loop in an error message: the agent's StepFailedError says `crash_loop: N exits…`,
 * and node/plans reports it inside `APP@VERSION failed (attempt N): STEP: crash_loop: …`.
 */
export const CRASH_LOOP_PATTERN = /\bcrash_loop\b/

/** Why a deployment is in its status: stable codes in `state.reason.code`, for people and scripts. */
export const REASON = {
  /** Started by the controller. */
  started: 'started',
  /** A phase passed its checks. */
  phasePassed: 'phase-passed',
  /** The operator acted (promote, pause, resume, rollback). */
  operator: 'operator',
  /** Consecutive evaluations had no verdict (too few samples, measurement errors): a person decides. */
  inconclusive: 'inconclusive',
  /** Failures clustered in time: propagation stopped. */
  circuitBreaker: 'circuit-breaker',
  /** A rollback trigger fired. */
  trigger: 'trigger',
  /** The deployment was not promoted by its deadline. */
  promoteDeadline: 'promote-deadline',
  /** The target matches no registered device. */
  noTargetDevices: 'no-target-devices',
  /** The devices that took the version reported the rollback version. */
  rollbackComplete: 'rollback-complete',
  /** A rollback did not complete in time. */
  rollbackTimeout: 'rollback-timeout'
} as const

export type ReasonCode = typeof REASON[keyof typeof REASON]

/** Problems named in an invalid spec's message; `issues` on the error has them all. */
export const ISSUES_IN_MESSAGE_MAX = 5

/** Cohort buckets a cohortBucketCache keeps: 10,000 devices × 10 deployments in progress (~10 MB). */
export const BUCKET_CACHE_ENTRIES_MAX = 100_000
