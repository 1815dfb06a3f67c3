/**
 * The `--phases FILE` of `fleets deploy create --strategy canary`: a JSON list of phases as
 * people write them, `[{"percentage": "5%", "duration": "30m", "validation": "manual"}, …]`,
 * turned into the spec's `phases` (`percent`, `durationMs`, `validation`, `minSamples`).
 * Percentages are cumulative and the last one is 100.
 */
import { UsageError } from '../args.js'
import { parseCount, parseDurationMs, parsePercent } from './flag-units.js'
import type { z } from 'zod'
import type { phaseSchema } from '../../coordinator/rollout/spec.js'

export type PhaseInput = z.input<typeof phaseSchema>

/** The spec's own bound (PHASES_MAX is the plan's); the server says so too, this keeps the loop short. */
const PHASES_IN_FILE_MAX = 1_000
const PHASE_KEYS = ['percentage', 'percent', 'duration', 'durationMs', 'validation', 'minSamples', 'min-samples']

export function parsePhases (command: string, text: string, file: string): PhaseInput[] {
  const fail = (message: string): UsageError => new UsageError(`--phases ${file}: ${message}`, command)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw fail(`not JSON (${(err as Error).message}); write a list like [{"percentage": "5%", "duration": "30m", "validation": "manual"}, {"percentage": "100%", "duration": "1h"}]`)
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw fail('expected a non-empty JSON list of phases like [{"percentage": "5%", "duration": "30m"}, …]')
  if (parsed.length > PHASES_IN_FILE_MAX) throw fail(`${parsed.length} phases; at most ${PHASES_IN_FILE_MAX}`)
  return parsed.map((item: unknown, i) => {
    const where = `phase ${i + 1}`
    if (typeof item !== 'object' || item == null || Array.isArray(item)) throw fail(`${where} is not an object with percentage and duration`)
    const phase = item as Record<string, unknown>
    const unknown = Object.keys(phase).find(k => !PHASE_KEYS.includes(k))
    if (unknown != null) throw fail(`${where} has an unknown field '${unknown}'; a phase has percentage, duration, validation (auto|manual) and minSamples`)
    const percentage = phase.percentage ?? phase.percent
    const duration = phase.duration ?? phase.durationMs
    const minSamples = phase.minSamples ?? phase['min-samples']
    const validation = phase.validation
    if (validation !== undefined && validation !== 'auto' && validation !== 'manual') throw fail(`${where}: validation is "auto" or "manual", got ${JSON.stringify(validation)}`)
    return {
      percent: toPercent(command, `${file} ${where} percentage`, percentage),
      durationMs: toDurationMs(command, `${file} ${where} duration`, duration),
      ...(validation !== undefined ? { validation } : {}),
      ...(minSamples !== undefined ? { minSamples: parseCount(command, `phases ${file} ${where} minSamples`, typeof minSamples === 'number' ? String(minSamples) : JSON.stringify(minSamples), 1, 1_000_000) } : {})
    }
  })
}

/** `"5%"` or `5` (a number in a file is unambiguous: the field is a percentage). */
function toPercent (command: string, what: string, value: unknown): number {
  if (typeof value === 'number') return parsePercent(command, `phases ${what}`, `${value}%`)
  if (typeof value === 'string') return parsePercent(command, `phases ${what}`, value)
  throw new UsageError(`--phases ${what} is missing; give a percentage like "5%"`, command)
}

/** `"30m"`, or a number of milliseconds (the spec's unit). */
function toDurationMs (command: string, what: string, value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  if (typeof value === 'string') return parseDurationMs(command, `phases ${what}`, value)
  throw new UsageError(`--phases ${what} ${value === undefined ? 'is missing' : `is ${JSON.stringify(value)}`}; give a duration like "30m" or "2h"`, command)
}
