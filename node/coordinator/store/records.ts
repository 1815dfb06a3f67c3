/**
 * The coordinator's records (DESIGN "Data model"), as zod schemas: the store validates every
 * record it writes and every record it reads back, so a damaged database is reported with the
 * field that is wrong instead of flowing on as a half-valid object.
 */
import { z } from 'zod'
import { LABEL_KEY_LENGTH_MAX, LABEL_VALUE_LENGTH_MAX, LABELS_MAX } from '../../mesh/constants.js'
import { GROUPS_MAX, NAME_LENGTH_MAX } from './constants.js'

/** libp2p peer ids (base58), MCU ids given by a gateway: no `/`, so an id is one URL path segment. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/
/** Deployment ids: the rollout controller's rule (node/coordinator/rollout), one URL path segment. */
export const DEPLOYMENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/
/** App and group names: what selectors (`group:x`) and file names can hold. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/
/** Label keys: 1–63 characters without `=`, `,`, `!` or spaces, so `k=v,k2!=v2` selectors parse. */
export const LABEL_KEY_PATTERN = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,${LABEL_KEY_LENGTH_MAX - 1}}$`)

export const deviceIdSchema = z.string().regex(DEVICE_ID_PATTERN, 'a device id is 1–128 of A-Z a-z 0-9 . _ : - (a libp2p peer id)')
export const nameSchema = z.string().regex(NAME_PATTERN, 'names are 1–63 of a-z 0-9 . _ - and start with a letter or digit')
export const labelKeySchema = z.string().regex(LABEL_KEY_PATTERN, `label keys are 1–${LABEL_KEY_LENGTH_MAX} of A-Z a-z 0-9 . _ / - and start with a letter or digit`)
export const labelsSchema = z.record(labelKeySchema, z.string().max(LABEL_VALUE_LENGTH_MAX))
  .refine(labels => Object.keys(labels).length <= LABELS_MAX, `at most ${LABELS_MAX} labels`)
export const groupsSchema = z.array(nameSchema).max(GROUPS_MAX)
export const timeMsSchema = z.number().int().nonnegative()
const text = (max: number): z.ZodString => z.string().max(max)

export const HEALTH_VALUES = ['healthy', 'unhealthy', 'starting', 'unknown'] as const
export const healthSchema = z.enum(HEALTH_VALUES)
export type Health = z.infer<typeof healthSchema>

/** What the coordinator last learned about one app on one device, from that device's reports. */
export const deviceAppSchema = z.object({
  version: text(128),
  health: healthSchema,
  deploymentId: text(128),
  step: text(64),
  atMs: timeMsSchema,
  errorCode: text(64).optional()
}).strict()

export const deviceRecordSchema = z.object({
  id: deviceIdSchema,
  name: text(NAME_LENGTH_MAX),
  platform: text(64),
  /** DESIGN tier: 1 full OS · 2 embedded Linux · 3 MCU · 4 sensor; 0 when not known yet. */
  tier: z.number().int().min(0).max(4),
  parent: deviceIdSchema.optional(),
  agentVersion: text(64),
  addresses: z.array(text(256)).max(16),
  /** Labels the device announces about itself. */
  reportedLabels: labelsSchema,
  /** Labels an administrator set; they win over reported ones with the same key. */
  assignedLabels: labelsSchema,
  groups: groupsSchema,
  /** How the coordinator first learned of the device. */
  source: z.enum(['presence', 'report', 'registered']),
  firstSeenMs: timeMsSchema.nullable(),
  lastSeenMs: timeMsSchema.nullable(),
  registeredMs: timeMsSchema.optional(),
  registeredBy: text(NAME_LENGTH_MAX).optional(),
  announceSeq: z.number().int().nonnegative(),
  apps: z.record(nameSchema, deviceAppSchema)
}).strict()
export type DeviceRecord = z.infer<typeof deviceRecordSchema>

export const RUNTIMES = ['process', 'systemd', 'docker', 'mcu-firmware'] as const
export const RESTART_POLICIES = ['always', 'on-failure', 'never'] as const

export const healthCheckRecordSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('http'), port: z.number().int().min(1).max(65_535), path: z.string().startsWith('/').max(1024) }).strict(),
  z.object({ kind: z.literal('tcp'), port: z.number().int().min(1).max(65_535) }).strict(),
  z.object({ kind: z.literal('exec'), command: z.array(z.string().min(1).max(1024)).min(1).max(64) }).strict()
])
export type HealthCheckRecord = z.infer<typeof healthCheckRecordSchema>

/** An artifact by name and version (the manifest's rules are applied where people type them). */
export const artifactRefSchema = z.object({ name: z.string().min(1).max(100), version: z.string().min(1).max(128) }).strict()
export type ArtifactRef = z.infer<typeof artifactRefSchema>

export const appRecordSchema = z.object({
  name: nameSchema,
  artifact: artifactRefSchema,
  runtime: z.enum(RUNTIMES),
  args: z.array(text(4096)).max(256),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).max(256), text(4096)),
  /** The seed's units (`memory: 2Gi`, `cpu: 1500m`), checked again by the device (FLEET_ERR_LIMIT_INVALID). */
  limits: z.object({ memory: text(32).optional(), cpu: text(32).optional() }).strict(),
  healthCheck: healthCheckRecordSchema.optional(),
  restartPolicy: z.enum(RESTART_POLICIES),
  createdMs: timeMsSchema,
  createdBy: text(NAME_LENGTH_MAX)
}).strict()
export type AppRecord = z.infer<typeof appRecordSchema>

export const STRATEGIES = ['canary', 'rolling', 'blue-green', 'all-at-once'] as const
export const DEPLOYMENT_STATES = ['pending', 'running', 'awaiting-approval', 'succeeded', 'paused', 'rolling-back', 'rolled-back', 'failed'] as const
export const DEPLOYMENT_COMMANDS = ['create', 'promote', 'pause', 'resume', 'rollback'] as const

/** JSON values: deployment specs, engine state, an audit entry's `detail`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
export const jsonValueSchema: z.ZodType<JsonValue> = z.lazy(() => z.union([
  z.string(), z.number().finite(), z.boolean(), z.null(), z.array(jsonValueSchema), z.record(z.string(), jsonValueSchema)
])).meta({ id: 'JsonValue', description: 'Any JSON value' })

export const deploymentEventSchema = z.object({
  atMs: timeMsSchema,
  actor: text(NAME_LENGTH_MAX),
  command: z.enum(DEPLOYMENT_COMMANDS),
  accepted: z.boolean(),
  reason: text(1024).optional(),
  state: z.enum(DEPLOYMENT_STATES)
}).strict()

/**
 * A deployment as the coordinator keeps it: the validated spec as given (its schema belongs to
 * the rollout controller), the summary fields the API lists and filters on, the status, and
 * the operator commands with what the engine answered.
 */
export const deploymentRecordSchema = z.object({
  id: z.string().regex(DEPLOYMENT_ID_PATTERN),
  app: nameSchema,
  artifact: artifactRefSchema,
  /** `all`, `group:NAME`, `ids:ID,ID…`, or a label selector `key=value,key!=value`. */
  target: z.string().min(1).max(4096),
  strategy: z.enum(STRATEGIES),
  /** The whole deployment spec (phases, triggers, deadlines…), as validated at creation. */
  spec: z.record(z.string(), jsonValueSchema),
  state: z.enum(DEPLOYMENT_STATES),
  /** Furthest phase reached, as the engine reports it. */
  phase: z.number().int().min(0),
  rollbackTo: z.string().max(128).optional(),
  rollbackReason: text(1024).optional(),
  /** The rollout controller's own persisted state (plain JSON), so a restart resumes where it was. */
  engineState: z.record(z.string(), jsonValueSchema).optional(),
  createdMs: timeMsSchema,
  createdBy: text(NAME_LENGTH_MAX),
  updatedMs: timeMsSchema,
  /** Operator commands and what the engine answered, oldest first (the last DEPLOYMENT_EVENTS_MAX). */
  events: z.array(deploymentEventSchema)
}).strict()
export type DeploymentRecord = z.infer<typeof deploymentRecordSchema>
export type DeploymentState = DeploymentRecord['state']
export type DeploymentCommandKind = (typeof DEPLOYMENT_COMMANDS)[number]

export const reportRecordSchema = z.object({
  deploymentId: z.string().min(1).max(128),
  deviceId: deviceIdSchema,
  planSeq: z.number().int().nonnegative(),
  step: text(64),
  appVersion: text(128),
  health: healthSchema,
  errorCode: text(64).optional(),
  errorMessage: text(2048).optional(),
  metrics: z.record(z.string().max(64), z.number()),
  sentMs: timeMsSchema,
  /** Outbox sequence, monotonic per device: a report with a lower seq than the stored one is stale. */
  seq: z.number().int().nonnegative(),
  receivedMs: timeMsSchema
}).strict()
export type ReportRecord = z.infer<typeof reportRecordSchema>

export const reportCountsSchema = z.object({
  devices: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  byStep: z.record(z.string(), z.number().int().nonnegative()),
  byHealth: z.record(z.string(), z.number().int().nonnegative()),
  byVersion: z.record(z.string(), z.number().int().nonnegative())
}).strict()
export type ReportCounts = z.infer<typeof reportCountsSchema>

export const ROLES = ['viewer', 'operator', 'admin'] as const
export const roleSchema = z.enum(ROLES)
export type Role = z.infer<typeof roleSchema>

export const apiTokenRecordSchema = z.object({
  id: z.string().regex(/^[a-z0-9]{8,32}$/),
  name: text(NAME_LENGTH_MAX).min(1),
  role: roleSchema,
  /** sha256 of the whole token, hex: the token itself is never stored. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  createdMs: timeMsSchema,
  createdBy: text(NAME_LENGTH_MAX),
  revokedMs: timeMsSchema.optional(),
  revokedBy: text(NAME_LENGTH_MAX).optional()
}).strict()
export type ApiTokenRecord = z.infer<typeof apiTokenRecordSchema>

export const auditEntrySchema = z.object({
  index: z.number().int().nonnegative(),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  atMs: timeMsSchema,
  /** Who did it: the API token's name, or `controller` for automatic decisions. */
  actor: text(NAME_LENGTH_MAX).min(1),
  /** Dotted verb, e.g. `deployment.create`, `deployment.rollback`, `token.revoke`. */
  action: z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/).max(64),
  deploymentId: z.string().max(128).optional(),
  artifactVersion: z.string().max(256).optional(),
  signatureVerified: z.boolean().optional(),
  scanResult: z.string().max(256).optional(),
  rollbackReason: z.string().max(1024).optional(),
  detail: z.record(z.string(), jsonValueSchema),
  /** sha256 over the canonical JSON of every other field (prevHash included), hex. */
  hash: z.string().regex(/^[0-9a-f]{64}$/)
}).strict()
export type AuditEntry = z.infer<typeof auditEntrySchema>
