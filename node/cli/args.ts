import { parseArgs } from 'node:util'
import type { ParseArgsConfig } from 'node:util'

/** A mistake in how a command was called: printed with a hint, exit code 2. */
export class UsageError extends Error {
  static readonly code = 'FLEET_ERR_USAGE'
  readonly code = UsageError.code
  constructor (message: string, readonly command: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>

/**
 * Strict flag parsing: an unknown flag, a missing value or a stray argument is an error that
 * names the flag and points at `--help`, never something silently ignored.
 */
export function parseFlags<O extends OptionSpec> (command: string, argv: string[], options: O, positionalsMax = 0): { values: ReturnType<typeof parseArgs<{ options: O, strict: true, allowPositionals: true }>>['values'], positionals: string[] } {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true })
  } catch (err) {
    const text = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '')
    throw new UsageError(text, command)
  }
  if (parsed.positionals.length > positionalsMax) {
    throw new UsageError(`unexpected argument '${parsed.positionals[positionalsMax] ?? ''}'`, command)
  }
  return { values: parsed.values, positionals: parsed.positionals }
}

/** Parses a TCP port flag: an integer 0–65535, where 0 asks the OS for a free port. */
export function parsePort (command: string, flag: string, value: string | undefined, fallback: number): number {
  if (value == null) return fallback
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !/^\d+$/.test(value)) {
    throw new UsageError(`--${flag} must be a port number from 0 to 65535 (0 picks a free one), got '${value}'`, command)
  }
  return port
}

/** Parses repeated `key=value` flags into a record, rejecting malformed pairs by name. */
export function parseKeyValues (command: string, flag: string, values: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const item of values ?? []) {
    const eq = item.indexOf('=')
    if (eq <= 0) throw new UsageError(`--${flag} takes key=value, got '${item}'`, command)
    out[item.slice(0, eq)] = item.slice(eq + 1)
  }
  return out
}
