/**
 * `fleets deploy create` flags → the body of `POST /api/v1/deployments` (the rollout
 * controller's deployment spec, node/coordinator/rollout/spec.ts). Pure: no I/O, the time is
 * passed in, and the `--phases` file arrives as text. Forms and ranges are checked here so a
 * mistake names the flag; the server checks the spec again as a whole.
 */
import { UsageError } from '../args.js'
import { tryParseTarget } from '../../coordinator/rollout/target.js'
import { STRATEGIES } from '../../coordinator/store/records.js'
import { parseCount, parseDurationMs, parsePercent } from './flag-units.js'
import { parseCircuitBreaker, parseTrigger, SAMPLES_MAX } from './deploy-triggers.js'
import { parsePhases } from './deploy-phases.js'
import type { DeploymentSpecInput } from '../../coordinator/rollout/spec.js'
import type { TriggerInput } from './deploy-triggers.js'

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
/** The spec without what the server fills in when it is left out. */
export type DeploymentBody = DistributiveOmit<DeploymentSpecInput, 'id' | 'version'> & { id?: string, version?: string }

export interface DeployFlags {
  app?: string | undefined
  version?: string | undefined
  target?: string | undefined
  strategy?: string | undefined
  id?: string | undefined
  'rollback-to'?: string | undefined
  initial?: string | undefined
  increment?: string | undefined
  interval?: string | undefined
  phases?: string | undefined
  validation?: string | undefined
  'batch-size'?: string | undefined
  'max-unavailable'?: string | undefined
  'batch-duration'?: string | undefined
  'stage-duration'?: string | undefined
  'switch-duration'?: string | undefined
  staged?: string | undefined
  duration?: string | undefined
  'rollback-on-error'?: string | undefined
  trigger?: string[] | undefined
  'min-samples'?: string | undefined
  success?: string | undefined
  'inconclusive-max'?: string | undefined
  'evaluation-interval'?: string | undefined
  'circuit-breaker'?: string | undefined
  'promote-deadline'?: string | undefined
  'rollback-timeout'?: string | undefined
  'gradual-step-timeout'?: string | undefined
}

type Strategy = (typeof STRATEGIES)[number]

/** Flags that belong to one strategy (or two): given with another strategy they are a mistake. */
export const STRATEGY_FLAGS: Record<Strategy, ReadonlyArray<keyof DeployFlags>> = {
  canary: ['initial', 'increment', 'interval', 'phases', 'validation'],
  rolling: ['batch-size', 'max-unavailable', 'batch-duration'],
  'blue-green': ['stage-duration', 'switch-duration', 'staged', 'validation'],
  'all-at-once': ['duration']
}

const INCONCLUSIVE_MAX = 1_000

/**
 * Builds the deployment body. `phasesText` is the content of the `--phases` file, read by the
 * caller; `nowMs` turns `--promote-deadline 2h` into a time.
 */
export function deploymentBody (command: string, flags: DeployFlags, context: { nowMs: number, phasesText?: string }): DeploymentBody {
  if (flags.app == null) throw new UsageError('missing --app NAME: the app to deploy (fleets app list shows them)', command)
  if (flags.target == null) throw new UsageError("missing --target: 'all', 'group:NAME', 'ids:ID,ID' or labels like 'site=berlin,ring!=0'", command)
  if (flags.strategy == null) throw new UsageError(`missing --strategy: one of ${STRATEGIES.join(', ')}`, command)
  if (!(STRATEGIES as readonly string[]).includes(flags.strategy)) {
    throw new UsageError(`--strategy takes ${STRATEGIES.join(', ')}, got '${flags.strategy}'`, command)
  }
  const strategy = flags.strategy as Strategy
  for (const [other, names] of Object.entries(STRATEGY_FLAGS)) {
    for (const name of names) {
      if (flags[name] != null && !STRATEGY_FLAGS[strategy].includes(name)) {
        throw new UsageError(`--${name} is an option of --strategy ${other}, not ${strategy}`, command)
      }
    }
  }
  const target = tryParseTarget(flags.target)
  if (typeof target === 'string') throw new UsageError(`--target ${target}`, command)
  const common = {
    app: flags.app,
    target: flags.target,
    ...(flags.version != null ? { version: flags.version } : {}),
    ...(flags.id != null ? { id: flags.id } : {}),
    ...(flags['rollback-to'] != null ? { rollbackTo: flags['rollback-to'] } : {}),
    ...commonOptions(command, flags, context.nowMs)
  }
  const duration = (flag: keyof DeployFlags): number | undefined => optionalDuration(command, flags, flag)
  const validation = parseValidation(command, flags.validation)
  switch (strategy) {
    case 'canary':
      return { ...common, strategy, ...canaryOptions(command, flags, context.phasesText, validation) }
    case 'rolling': {
      if (flags['batch-size'] == null) throw new UsageError('--strategy rolling needs --batch-size P% (the share of the targeted devices updated per batch)', command)
      const batchPercent = parseShare(command, 'batch-size', flags['batch-size'], 0.01)
      const maxUnavailablePercent = flags['max-unavailable'] != null ? parseShare(command, 'max-unavailable', flags['max-unavailable'], 0) : batchPercent
      return { ...common, strategy, rolling: { batchPercent, maxUnavailablePercent, ...defined({ batchDurationMs: duration('batch-duration') }) } }
    }
    case 'blue-green':
      return {
        ...common,
        strategy,
        blueGreen: defined({
          stageDurationMs: duration('stage-duration'),
          switchDurationMs: duration('switch-duration'),
          stagedPercent: flags.staged != null ? parsePercent(command, 'staged', flags.staged) : undefined,
          validation
        })
      }
    case 'all-at-once':
      return { ...common, strategy, allAtOnce: defined({ durationMs: duration('duration') }) }
  }
}

function canaryOptions (command: string, flags: DeployFlags, phasesText: string | undefined, validation: 'auto' | 'manual' | undefined): { canary: NonNullable<Extract<DeploymentBody, { strategy: 'canary' }>['canary']> } | { phases: ReturnType<typeof parsePhases> } {
  const stepFlags = (['initial', 'increment', 'interval'] as const).filter(f => flags[f] != null)
  if (flags.phases != null) {
    if (stepFlags.length > 0) throw new UsageError(`give either --phases FILE or --initial/--increment/--interval, not both (--${stepFlags[0] ?? ''} was given too)`, command)
    if (validation != null) throw new UsageError('--validation applies to --initial/--increment phases; with --phases FILE set "validation" on each phase', command)
    return { phases: parsePhases(command, phasesText ?? '', flags.phases) }
  }
  if (flags.initial == null || flags.increment == null || flags.interval == null) {
    const missing = (['initial', 'increment', 'interval'] as const).filter(f => flags[f] == null).map(f => `--${f}`).join(', ')
    throw new UsageError(`--strategy canary needs --initial P% --increment P% --interval D (e.g. --initial 5% --increment 15% --interval 10m), or --phases FILE; missing ${missing}`, command)
  }
  return {
    canary: {
      initialPercent: parsePercent(command, 'initial', flags.initial),
      incrementPercent: parsePercent(command, 'increment', flags.increment),
      intervalMs: parseDurationMs(command, 'interval', flags.interval),
      ...(validation != null ? { validation } : {})
    }
  }
}

/** Fields every strategy has: triggers, samples, deadlines, timeouts. */
function commonOptions (command: string, flags: DeployFlags, nowMs: number): Partial<DeploymentBody> {
  const triggers: TriggerInput[] = (flags.trigger ?? []).map(text => parseTrigger(command, text))
  if (flags['rollback-on-error'] != null) {
    triggers.unshift({ metric: 'error_rate', threshold: parsePercent(command, 'rollback-on-error', flags['rollback-on-error'], 0) / 100, action: 'immediate' })
  }
  const duration = (flag: keyof DeployFlags): number | undefined => optionalDuration(command, flags, flag)
  return defined({
    ...(triggers.length > 0 ? { triggers } : {}),
    minSamples: flags['min-samples'] != null ? parseCount(command, 'min-samples', flags['min-samples'], 1, SAMPLES_MAX) : undefined,
    successPercent: flags.success != null ? parsePercent(command, 'success', flags.success, 0) : undefined,
    consecutiveInconclusiveMax: flags['inconclusive-max'] != null ? parseCount(command, 'inconclusive-max', flags['inconclusive-max'], 1, INCONCLUSIVE_MAX) : undefined,
    evaluationIntervalMs: duration('evaluation-interval'),
    circuitBreaker: flags['circuit-breaker'] != null ? parseCircuitBreaker(command, flags['circuit-breaker']) : undefined,
    promoteDeadlineMs: flags['promote-deadline'] != null ? parseDeadline(command, flags['promote-deadline'], nowMs) : undefined,
    rollbackTimeoutMs: duration('rollback-timeout'),
    gradualStepTimeoutMs: duration('gradual-step-timeout')
  })
}

function optionalDuration (command: string, flags: DeployFlags, flag: keyof DeployFlags): number | undefined {
  const value = flags[flag]
  return typeof value === 'string' ? parseDurationMs(command, flag, value) : undefined
}

/** The object without its undefined fields: the spec is strict about what is present. */
function defined<T extends Record<string, unknown>> (o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> }
}

/** `--batch-size` and `--max-unavailable`: the spec counts them as shares of the targeted devices. */
function parseShare (command: string, flag: string, value: string, minPercent: number): number {
  if (/^\d+$/.test(value)) {
    throw new UsageError(`--${flag} takes a percentage of the targeted devices like 10%, got '${value}': the rollout counts batches in shares, since the fleet's size changes while it runs`, command)
  }
  return parsePercent(command, flag, value, minPercent)
}

function parseValidation (command: string, value: string | undefined): 'auto' | 'manual' | undefined {
  if (value == null || value === 'auto' || value === 'manual') return value
  throw new UsageError(`--validation takes auto (advance on healthy reports) or manual (wait for fleets deploy promote), got '${value}'`, command)
}

/** `2h` from now, or a time like 2030-01-01T12:00:00Z. */
function parseDeadline (command: string, text: string, nowMs: number): number {
  if (/^\d{4}-\d\d-\d\d/.test(text)) {
    const ms = Date.parse(text)
    if (Number.isNaN(ms)) throw new UsageError(`--promote-deadline is not a time: '${text}' (use 2h, or 2030-01-01T12:00:00Z)`, command)
    return ms
  }
  return nowMs + parseDurationMs(command, 'promote-deadline', text)
}
