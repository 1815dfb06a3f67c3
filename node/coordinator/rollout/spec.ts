/**
 * The deployment spec (DESIGN "Deployment"), validated at the edge (STYLE rule 11): what to
 * deploy, to which devices, with which strategy, and when to stop or roll back. Percentages
 * are of the targeted devices, with basis-point precision (the cohort rule's unit); durations
 * are milliseconds; `promoteDeadlineMs` is a time (Unix ms, coordinator clock).
 */
import { z } from 'zod'
import { NAME_LENGTH_MAX, VERSION_LENGTH_MAX } from '../../../content/manifest/index.js'
import {
  ALL_AT_ONCE_DURATION_MS_DEFAULT, BLUE_GREEN_STAGE_DURATION_MS_DEFAULT, BLUE_GREEN_STAGED_PERCENT_DEFAULT,
  BLUE_GREEN_SWITCH_DURATION_MS_DEFAULT, CONSECUTIVE_INCONCLUSIVE_MAX_DEFAULT, DEPLOYMENT_ID_PATTERN, DURATION_MS_MAX,
  EVALUATION_INTERVAL_MS_DEFAULT, GRADUAL_STEP_TIMEOUT_MS_DEFAULT, MIN_SAMPLES_DEFAULT, PHASES_MAX,
  ROLLBACK_TIMEOUT_MS_DEFAULT, ROLLING_BATCH_DURATION_MS_DEFAULT, SUCCESS_PERCENT_DEFAULT, TRIGGER_MIN_SAMPLES_DEFAULT,
  TRIGGERS_MAX
} from './constants.js'
import { canaryStepCount } from './phases.js'
import { toSpecIssues, specError } from './spec-issues.js'
import { tryParseTarget } from './target.js'

/** App names: the artifact's name rule (content/manifest), since the app is installed from it. */
const APP_PATTERN = new RegExp(`^[a-z0-9][a-z0-9._-]{0,${NAME_LENGTH_MAX - 1}}$`)
/** Versions: the artifact manifest's version rule. */
const VERSION_PATTERN = new RegExp(`^[0-9A-Za-z][0-9A-Za-z.+_~-]{0,${VERSION_LENGTH_MAX - 1}}$`)
/** Trigger metrics; a custom metric's name follows the device's custom metrics rule (node/runtime/metrics). */
export const TRIGGER_METRIC_PATTERN = /^(error_rate|crash_loop|cpu_usage|custom:[a-zA-Z_:][a-zA-Z0-9_:]{0,127})$/
/** Metrics that are fractions of devices, so their threshold is in [0, 1]. */
export const RATE_METRICS: ReadonlySet<string> = new Set(['error_rate', 'crash_loop'])

const version = z.string().regex(VERSION_PATTERN, `expected a version like 1.4.2 (1–${VERSION_LENGTH_MAX} letters, digits, '.', '+', '_', '~' or '-')`)
const percent = z.number({ error: 'expected a percentage (a number from 0.01 to 100)' })
  .min(0.01, 'must be at least 0.01 (one basis point)').max(100, 'must be at most 100')
  .refine(p => Math.abs(p * 100 - Math.round(p * 100)) < 1e-6, 'has more than two decimals; the cohort rule counts in basis points (0.01%)')
const durationMs = z.number({ error: 'expected milliseconds (a whole number)' }).int('must be whole milliseconds')
  .min(0, 'must not be negative').max(DURATION_MS_MAX, `must be at most ${DURATION_MS_MAX} (30 days); is it in seconds or minutes instead of ms?`)
const positiveDurationMs = durationMs.min(1, 'must be at least 1 ms')
const samples = z.number({ error: 'expected a number of devices' }).int('must be a whole number of devices').min(1, 'must be at least 1').max(1_000_000, 'must be at most 1,000,000')
const validation = z.enum(['auto', 'manual'], { error: "expected 'auto' (advance on healthy reports) or 'manual' (wait for promote)" })

/** An explicit canary phase: cumulative percentage, minimum duration, how it is validated. */
export const phaseSchema = z.object({
  percent,
  durationMs,
  validation: validation.default('auto'),
  /** Healthy devices on the new version needed to pass; @default spec.minSamples */
  minSamples: samples.optional()
}).strict()

/** The seed's `--initial 5% --increment 15% --interval 10m`: 5, 20, 35, …, 95, 100. */
export const canaryStepsSchema = z.object({
  initialPercent: percent,
  incrementPercent: percent,
  intervalMs: durationMs,
  validation: validation.default('auto')
}).strict()

export const triggerSchema = z.object({
  metric: z.string().regex(TRIGGER_METRIC_PATTERN, "expected 'error_rate', 'crash_loop', 'cpu_usage' or 'custom:NAME' (NAME as the app pushes it)"),
  /** Fires when the metric is above this: a fraction for error_rate and crash_loop (5% is 0.05), the metric's unit otherwise. */
  threshold: z.number({ error: 'expected a number' }),
  minSamples: samples.default(TRIGGER_MIN_SAMPLES_DEFAULT),
  action: z.enum(['immediate', 'gradual'], { error: "expected 'immediate' (roll every device back at once) or 'gradual' (phase by phase)" }).default('immediate')
}).strict().superRefine((t, ctx) => {
  if (RATE_METRICS.has(t.metric) && (t.threshold < 0 || t.threshold > 1)) {
    ctx.addIssue({ code: 'custom', path: ['threshold'], message: `${t.metric} is a fraction of devices from 0 to 1 (5% is 0.05), got ${t.threshold}` })
  }
})

const common = {
  id: z.string().regex(DEPLOYMENT_ID_PATTERN, 'expected 1–128 of A-Z a-z 0-9 . _ : -, starting with a letter or digit'),
  app: z.string().regex(APP_PATTERN, `expected an app name (1–${NAME_LENGTH_MAX} of a-z 0-9 . _ -, starting with a letter or digit)`),
  version,
  target: z.string().superRefine((target, ctx) => {
    const parsed = tryParseTarget(target)
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed })
  }),
  /** Version to return to on rollback; absent when the app had no version before (rollback removes it). */
  rollbackTo: version.optional(),
  triggers: z.array(triggerSchema).max(TRIGGERS_MAX, `at most ${TRIGGERS_MAX} triggers`).default([]),
  /** Healthy devices on the new version a phase needs to pass (capped by the devices in the phase). */
  minSamples: samples.default(MIN_SAMPLES_DEFAULT),
  /** Share of the targeted devices healthy on the new version for the last phase to succeed. */
  successPercent: z.number().min(0, 'must be from 0 to 100').max(100, 'must be from 0 to 100').default(SUCCESS_PERCENT_DEFAULT),
  /** Evaluations without a verdict, past the phase duration, before pausing as inconclusive. */
  consecutiveInconclusiveMax: z.number().int().min(1, 'must be at least 1').max(1_000, 'must be at most 1,000').default(CONSECUTIVE_INCONCLUSIVE_MAX_DEFAULT),
  evaluationIntervalMs: positiveDurationMs.default(EVALUATION_INTERVAL_MS_DEFAULT),
  /** Stop propagation when `failuresMax` devices fail within `windowMs` of each other. */
  circuitBreaker: z.object({ failuresMax: samples, windowMs: positiveDurationMs }).strict().optional(),
  /** Roll back if the last phase has not been reached by this time (Unix ms, coordinator clock). */
  promoteDeadlineMs: z.number().int('must be a time in Unix ms').min(0, 'must be a time in Unix ms').optional(),
  rollbackTimeoutMs: positiveDurationMs.default(ROLLBACK_TIMEOUT_MS_DEFAULT),
  gradualStepTimeoutMs: positiveDurationMs.default(GRADUAL_STEP_TIMEOUT_MS_DEFAULT)
}

const canarySpec = z.object({
  ...common,
  strategy: z.literal('canary'),
  canary: canaryStepsSchema.optional(),
  phases: z.array(phaseSchema).min(1, 'needs at least one phase').max(PHASES_MAX, `at most ${PHASES_MAX} phases`).optional()
}).strict()

const rollingSpec = z.object({
  ...common,
  strategy: z.literal('rolling'),
  rolling: z.object({
    batchPercent: percent,
    /** Targeted devices that may be updating or unhealthy at once; a new batch starts only within it. */
    maxUnavailablePercent: z.number().min(0, 'must be from 0 to 100').max(100, 'must be from 0 to 100'),
    batchDurationMs: durationMs.default(ROLLING_BATCH_DURATION_MS_DEFAULT)
  }, { error: 'the rolling strategy needs {batchPercent, maxUnavailablePercent}' }).strict()
}).strict()

const blueGreenSpec = z.object({
  ...common,
  strategy: z.literal('blue-green'),
  blueGreen: z.object({
    stageDurationMs: durationMs.default(BLUE_GREEN_STAGE_DURATION_MS_DEFAULT),
    switchDurationMs: durationMs.default(BLUE_GREEN_SWITCH_DURATION_MS_DEFAULT),
    /** Share of the targeted devices with a healthy standby before the switch. */
    stagedPercent: percent.default(BLUE_GREEN_STAGED_PERCENT_DEFAULT),
    /** 'manual': wait for promote between stage and switch. */
    validation: validation.default('auto')
  }).strict().default({
    stageDurationMs: BLUE_GREEN_STAGE_DURATION_MS_DEFAULT,
    switchDurationMs: BLUE_GREEN_SWITCH_DURATION_MS_DEFAULT,
    stagedPercent: BLUE_GREEN_STAGED_PERCENT_DEFAULT,
    validation: 'auto'
  })
}).strict()

const allAtOnceSpec = z.object({
  ...common,
  strategy: z.literal('all-at-once'),
  allAtOnce: z.object({ durationMs: durationMs.default(ALL_AT_ONCE_DURATION_MS_DEFAULT) }).strict()
    .default({ durationMs: ALL_AT_ONCE_DURATION_MS_DEFAULT })
}).strict()

/** A deployment spec; `strategy` selects which of `canary`/`phases`, `rolling`, `blueGreen`, `allAtOnce` applies. */
export const deploymentSpecSchema = z.discriminatedUnion('strategy', [canarySpec, rollingSpec, blueGreenSpec, allAtOnceSpec], {
  error: "expected 'canary', 'rolling', 'blue-green' or 'all-at-once'"
})
  .superRefine((spec, ctx) => {
    if (spec.rollbackTo === spec.version) ctx.addIssue({ code: 'custom', path: ['rollbackTo'], message: `is the version being deployed (${spec.version}); name the version to return to, or leave it out` })
    if (spec.strategy === 'canary') checkCanary(spec, ctx)
    if (spec.strategy === 'rolling' && Math.ceil(10_000 / Math.round(spec.rolling.batchPercent * 100)) > PHASES_MAX) {
      ctx.addIssue({ code: 'custom', path: ['rolling', 'batchPercent'], message: `makes more than ${PHASES_MAX} batches; use at least ${100 / PHASES_MAX}%` })
    }
  })

function checkCanary (spec: z.output<typeof canarySpec>, ctx: z.RefinementCtx): void {
  if ((spec.canary === undefined) === (spec.phases === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['canary'], message: 'give either canary {initialPercent, incrementPercent, intervalMs} or phases [{percent, durationMs, validation}], not both or neither' })
    return
  }
  if (spec.canary !== undefined) {
    const count = canaryStepCount(spec.canary.initialPercent, spec.canary.incrementPercent)
    if (count > PHASES_MAX) ctx.addIssue({ code: 'custom', path: ['canary', 'incrementPercent'], message: `makes ${count} phases, over ${PHASES_MAX}; use a larger increment` })
    return
  }
  const phases = spec.phases ?? []
  phases.forEach((phase, i) => {
    const before = phases[i - 1]
    if (before !== undefined && phase.percent <= before.percent) {
      ctx.addIssue({ code: 'custom', path: ['phases', i, 'percent'], message: `${phase.percent} does not grow from the phase before (${before.percent}); percentages are cumulative` })
    }
  })
  const last = phases.at(-1)
  if (last !== undefined && last.percent !== 100) {
    ctx.addIssue({ code: 'custom', path: ['phases', phases.length - 1, 'percent'], message: `the last phase must reach 100, got ${last.percent}` })
  }
}

export type DeploymentSpec = z.output<typeof deploymentSpecSchema>
export type DeploymentSpecInput = z.input<typeof deploymentSpecSchema>
export type RollbackTrigger = z.output<typeof triggerSchema>
export type Strategy = DeploymentSpec['strategy']

/** Validates a spec (a parsed JSON value); throws `DeploymentSpecError` naming each wrong field (`canary.initialPercent: …`). */
export function parseDeploymentSpec (input: unknown): DeploymentSpec {
  const result = deploymentSpecSchema.safeParse(input)
  if (!result.success) throw specError(toSpecIssues(result.error.issues))
  return result.data
}
