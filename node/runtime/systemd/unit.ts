/**
 * The unit file text for an app, as a pure function (tested without systemd). Quoting follows
 * systemd.syntax(7) and systemd.service(5): every word is double-quoted with C escapes, `%`
 * is doubled (specifiers) everywhere, and `$` is doubled in ExecStart= (variable expansion),
 * so an argument or value reaches the app exactly as given.
 */
import { isAbsolute } from 'node:path'
import { APP_NAME_PATTERN, ENV_NAME_PATTERN } from '../install/constants.js'
import { ENV_ENTRIES_MAX, EXEC_ARGS_MAX, RESTART_SEC, UNIT_LINE_LENGTH_MAX, UNIT_PREFIX } from './constants.js'
import { SystemdUnitError } from './errors.js'
import type { UnitSpec } from './index.js'

const RESTART = { always: 'always', 'on-failure': 'on-failure', never: 'no' } as const

export function unitName (app: string): string {
  if (!APP_NAME_PATTERN.test(app)) throw new SystemdUnitError(`app name '${app}' cannot name a unit: expected lowercase letters, digits, '.', '_' or '-'`, 'app')
  return `${UNIT_PREFIX}${app}.service`
}

/** One word in double quotes with C escapes; `dollar` doubles `$` where systemd expands variables. */
export function quoteWord (word: string, options: { dollar: boolean }): string {
  let out = ''
  for (const ch of word) {
    const code = ch.codePointAt(0) ?? 0
    if (ch === '\\') out += '\\\\'
    else if (ch === '"') out += '\\"'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\t') out += '\\t'
    else if (ch === '%') out += '%%'
    else if (ch === '$' && options.dollar) out += '$$'
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`
    else out += ch
  }
  return `"${out}"`
}

export function renderUnit (app: string, spec: UnitSpec): string {
  const name = unitName(app)
  const [program] = spec.execStart
  if (program === undefined || !isAbsolute(program)) {
    throw new SystemdUnitError(`execStart[0] must be an absolute path (systemd does not search PATH for it), got '${program ?? ''}'`, 'execStart[0]')
  }
  // systemd refuses these in the program path ("Executable name contains special
  // characters"), whatever the quoting; better to say so before writing the unit.
  if (/["'\\\x00-\x1f\x7f]/.test(program)) {
    throw new SystemdUnitError(`execStart[0] '${program}' has a quote, backslash or control character, which systemd refuses in a program path; move or link the program to a plain path`, 'execStart[0]')
  }
  if (spec.execStart.length > EXEC_ARGS_MAX) throw new SystemdUnitError(`execStart has ${spec.execStart.length} arguments; at most ${EXEC_ARGS_MAX}`, 'execStart')
  if (spec.execStart.some(a => a.includes('\0'))) throw new SystemdUnitError('execStart has an argument with a NUL byte, which no program can receive', 'execStart')
  const lines = [
    `# Written by FleetD for app ${app}; it is rewritten on every deploy, so edit the app's target state instead.`,
    '[Unit]',
    `Description=${quoteSpecifiers(`FleetD app ${app}`)}`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    // exec (systemd 240+): start fails when the program cannot be executed, instead of
    // reporting a unit that never ran as started.
    'Type=exec',
    // `$` is literal in the program path but expanded in the arguments (systemd.service(5)).
    `ExecStart=${spec.execStart.map((a, i) => quoteWord(a, { dollar: i > 0 })).join(' ')}`,
    ...workingDirectory(spec.workingDir),
    ...environment(spec.env ?? {}),
    `Restart=${RESTART[spec.restart ?? 'never']}`,
    `RestartSec=${RESTART_SEC}`,
    ...limits(spec),
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    ''
  ]
  const long = lines.find(l => l.length > UNIT_LINE_LENGTH_MAX)
  if (long !== undefined) throw new SystemdUnitError(`${name} would have a line of ${long.length} characters; systemd reads at most ${UNIT_LINE_LENGTH_MAX}`, long.split('=')[0] ?? 'unit')
  return lines.join('\n')
}

function quoteSpecifiers (text: string): string {
  return text.replaceAll('%', '%%')
}

function workingDirectory (dir: string | undefined): string[] {
  if (dir === undefined) return []
  // WorkingDirectory= takes the rest of the line unquoted: no quotes to escape, but systemd
  // trims surrounding whitespace and a control character would break the line.
  if (!isAbsolute(dir) || dir.trim() !== dir || /[\x00-\x1f\x7f]/.test(dir)) {
    throw new SystemdUnitError(`workingDir must be an absolute path without control characters or surrounding spaces, got ${JSON.stringify(dir)}`, 'workingDir')
  }
  return [`WorkingDirectory=${quoteSpecifiers(dir)}`]
}

function environment (env: Record<string, string>): string[] {
  const names = Object.keys(env).sort()
  if (names.length > ENV_ENTRIES_MAX) throw new SystemdUnitError(`env has ${names.length} variables; at most ${ENV_ENTRIES_MAX}`, 'env')
  return names.map(name => {
    if (!ENV_NAME_PATTERN.test(name)) throw new SystemdUnitError(`env name '${name}' is not a valid variable name (letters, digits and _, not starting with a digit)`, `env.${name}`)
    const value = env[name] ?? ''
    if (value.includes('\0')) throw new SystemdUnitError(`env.${name} has a NUL byte, which no environment can hold`, `env.${name}`)
    // Environment= expands specifiers but not variables: `$` stays as it is.
    return `Environment=${quoteWord(`${name}=${value}`, { dollar: false })}`
  })
}

function limits (spec: UnitSpec): string[] {
  const out: string[] = []
  if (spec.memoryMax !== undefined) {
    if (!Number.isSafeInteger(spec.memoryMax) || spec.memoryMax <= 0) throw new SystemdUnitError(`memoryMax must be a positive number of bytes, got ${spec.memoryMax}`, 'memoryMax')
    out.push(`MemoryMax=${spec.memoryMax}`)
  }
  if (spec.cpuQuotaPercent !== undefined) {
    if (!Number.isFinite(spec.cpuQuotaPercent) || spec.cpuQuotaPercent <= 0) throw new SystemdUnitError(`cpuQuotaPercent must be a positive percentage of one CPU, got ${spec.cpuQuotaPercent}`, 'cpuQuotaPercent')
    // Whole percents: older systemd (before 249) refuses fractions.
    out.push(`CPUQuota=${Math.max(1, Math.round(spec.cpuQuotaPercent))}%`)
  }
  return out
}
