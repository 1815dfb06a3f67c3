/**
 * Units people type in flags, parsed with messages that name the flag: durations (`30s`,
 * `10m`, `2h`, `1h30m`, `500ms`), percentages (`5%`, `0.5%`) and whole counts.
 */
import { UsageError } from '../args.js'

const DURATION_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
/** `ms` before `m` and `s`, so `500ms` is read as milliseconds. */
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/
const PERCENT = /^(\d+(?:\.\d+)?)%$/

/** `10m` → 600000. A bare number is refused: `10` could be seconds, minutes or ms. */
export function parseDurationMs (command: string, flag: string, value: string): number {
  if (!DURATION.test(value)) {
    const hint = /^\d+(\.\d+)?$/.test(value) ? ' (a number needs a unit: ms, s, m, h or d)' : ''
    throw new UsageError(`--${flag} takes a duration like 30s, 10m, 2h or 1h30m, got '${value}'${hint}`, command)
  }
  let ms = 0
  for (const [, amount, unit] of value.matchAll(DURATION_PART)) ms += Number(amount) * (DURATION_UNIT_MS[unit ?? ''] ?? 0)
  const rounded = Math.round(ms)
  if (!Number.isSafeInteger(rounded)) throw new UsageError(`--${flag} is too long: '${value}'`, command)
  return rounded
}

/** True when `value` looks like a percentage (`5%`), as opposed to a count or a fraction. */
export function isPercent (value: string): boolean {
  return PERCENT.test(value)
}

/**
 * `5%` → 5, from `minPercent` to 100 with at most two decimals (the cohort rule counts in
 * basis points). The `%` is required so a count (`--batch-size 10`) is never read as 10%.
 */
export function parsePercent (command: string, flag: string, value: string, minPercent = 0.01): number {
  const match = PERCENT.exec(value)
  if (match == null) throw new UsageError(`--${flag} takes a percentage like 5% or 12.5%, got '${value}'`, command)
  const percent = Number(match[1])
  if (percent < minPercent || percent > 100) throw new UsageError(`--${flag} must be from ${minPercent}% to 100%, got '${value}'`, command)
  if (Math.abs(percent * 100 - Math.round(percent * 100)) > 1e-6) {
    throw new UsageError(`--${flag} has more than two decimals ('${value}'); percentages count in basis points (0.01%)`, command)
  }
  return percent
}

/** A whole number from `min` to `max`. */
export function parseCount (command: string, flag: string, value: string, min: number, max: number): number {
  const count = Number(value)
  if (!/^\d+$/.test(value) || count < min || count > max) throw new UsageError(`--${flag} takes a whole number from ${min} to ${max}, got '${value}'`, command)
  return count
}

/**
 * Splits a command line the way a shell would for simple cases: whitespace separates words,
 * single or double quotes keep spaces inside a word. No variables, globs or escapes: the
 * health check runs the program directly, not through a shell.
 */
export function splitWords (command: string, flag: string, value: string): string[] {
  const words: string[] = []
  for (const [, double, single, bare, unclosed] of value.matchAll(/"([^"]*)"|'([^']*)'|([^\s'"]+)|(['"])/g)) {
    if (unclosed != null) throw new UsageError(`--${flag} has an unclosed quote: ${value}`, command)
    words.push(double ?? single ?? bare ?? '')
  }
  if (words.length === 0) throw new UsageError(`--${flag} needs a command, e.g. --${flag} '/usr/bin/check --quick'`, command)
  return words
}
