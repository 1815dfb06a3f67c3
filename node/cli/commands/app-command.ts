import { parseFlags, parseKeyValues, UsageError } from '../args.js'
import { parseArtifactRef, parseHealthCheckUrl } from '../../coordinator/server/app-input.js'
import { RESTART_POLICIES, RUNTIMES } from '../../coordinator/store/records.js'
import { parseCpu, parseMemory } from '../../runtime/limits/units.js'
import { formatApp, formatAppTable } from './app-format.js'
import { splitWords } from './flag-units.js'
import { apiClient, SERVER_FLAGS_HELP, SERVER_OPTIONS } from './server-client.js'
import type { AppRecord } from '../../coordinator/store/index.js'

export const APP_HELP = `Usage: fleets app <create|list|show> [options]

Apps the coordinator deploys: which artifact, how it runs, how its health is checked.

  fleets app create --name N --artifact NAME:VERSION [--runtime ${RUNTIMES.join('|')}]
                    [--health-check http://localhost:8080/health | tcp://localhost:9000]
                    [--health-exec 'CMD ARGS'] [--memory 256Mi] [--cpu 500m]
                    [--env K=V]... [--arg A]... [--restart ${RESTART_POLICIES.join('|')}]
      create an app (operator); runtime defaults to process, restart to on-failure. The health
      check runs on the device: an HTTP GET or a TCP connect to localhost, or a command.
      An argument starting with a dash is given as --arg=--port
  fleets app list
      apps with artifact, runtime, health check, restart policy and limits
  fleets app show NAME
      one app in full

A new version of an app is rolled out with 'fleets deploy create --app N --version V'.

Options of every subcommand:
${SERVER_FLAGS_HELP}

Exit codes: 0 done, 1 the coordinator refused or could not be reached (the code in brackets
says why: FLEET_ERR_API_INVALID, _FORBIDDEN, _CONFLICT…), 2 wrong usage.
`

const SUBCOMMANDS = ['create', 'list', 'show'] as const
const CREATE_FLAGS = ['name', 'artifact', 'runtime', 'health-check', 'health-exec', 'memory', 'cpu', 'env', 'arg', 'restart'] as const

export async function appCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === '--help' || sub === '-h' || sub == null) { process.stdout.write(APP_HELP); return sub == null ? 2 : 0 }
  if (!(SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new UsageError(`unknown subcommand '${sub}'; the app command has: ${SUBCOMMANDS.join(', ')}`, 'app')
  }
  const command = `app ${sub}`
  const { values, positionals } = parseFlags(command, rest, {
    ...SERVER_OPTIONS,
    name: { type: 'string' }, artifact: { type: 'string' }, runtime: { type: 'string' }, 'health-check': { type: 'string' },
    'health-exec': { type: 'string' }, memory: { type: 'string' }, cpu: { type: 'string' }, env: { type: 'string', multiple: true },
    arg: { type: 'string', multiple: true }, restart: { type: 'string' }
  }, sub === 'show' ? 1 : 0)
  if (values.help === true) { process.stdout.write(APP_HELP); return 0 }
  if (sub !== 'create') {
    const flag = CREATE_FLAGS.find(f => values[f] != null)
    if (flag != null) throw new UsageError(`--${flag} is not an option of ${command}`, command)
  }
  const client = apiClient(command, values)
  const json = values.json === true
  const print = (app: AppRecord): number => {
    process.stdout.write(json ? JSON.stringify(app) + '\n' : formatApp(app, Date.now()))
    return 0
  }
  if (sub === 'list') {
    const { apps } = await client.get<{ apps: AppRecord[] }>('/api/v1/apps')
    process.stdout.write(json ? JSON.stringify(apps) + '\n' : formatAppTable(apps, Date.now()))
    return 0
  }
  if (sub === 'show') {
    const name = positionals[0]
    if (name == null) throw new UsageError('missing the app NAME (fleets app list shows them)', command)
    return print(await client.get<AppRecord>(`/api/v1/apps/${encodeURIComponent(name)}`))
  }
  return print(await client.post<AppRecord>('/api/v1/apps', appBody(command, values)))
}

type CreateValues = { [K in (typeof CREATE_FLAGS)[number]]?: K extends 'env' | 'arg' ? string[] | undefined : string | undefined }

/** The body of POST /api/v1/apps, each flag checked with the server's own parser so the message names the flag. */
function appBody (command: string, values: CreateValues): Record<string, unknown> {
  if (values.name == null) throw new UsageError('missing --name N: the app name (lowercase letters, digits, . _ -)', command)
  if (values.artifact == null) throw new UsageError('missing --artifact NAME:VERSION, e.g. --artifact edge-app:1.4.2 (fleets artifact list shows them)', command)
  const ref = parseArtifactRef(values.artifact)
  if (typeof ref === 'string') throw new UsageError(`--artifact ${ref}`, command)
  const oneOf = (flag: string, value: string | undefined, allowed: readonly string[]): string | undefined => {
    if (value != null && !allowed.includes(value)) throw new UsageError(`--${flag} takes ${allowed.join(', ')}, got '${value}'`, command)
    return value
  }
  const runtime = oneOf('runtime', values.runtime, RUNTIMES)
  const restartPolicy = oneOf('restart', values.restart, RESTART_POLICIES)
  if (values['health-check'] != null && values['health-exec'] != null) throw new UsageError('give either --health-check URL or --health-exec CMD, not both', command)
  let healthCheck: unknown
  if (values['health-check'] != null) {
    const parsed = parseHealthCheckUrl(values['health-check'])
    if (typeof parsed === 'string') throw new UsageError(`--health-check ${parsed}`, command)
    healthCheck = parsed
  }
  if (values['health-exec'] != null) healthCheck = { kind: 'exec', command: splitWords(command, 'health-exec', values['health-exec']) }
  const limit = (flag: 'memory' | 'cpu', parse: (v: string) => number): string | undefined => {
    const value = values[flag]
    if (value == null) return undefined
    try {
      parse(value)
    } catch (err) {
      throw new UsageError(`--${flag}: ${(err as Error).message}`, command)
    }
    return value
  }
  const memory = limit('memory', parseMemory)
  const cpu = limit('cpu', parseCpu)
  return {
    name: values.name,
    artifact: `${ref.name}:${ref.version}`,
    ...(runtime != null ? { runtime } : {}),
    ...(restartPolicy != null ? { restartPolicy } : {}),
    ...(healthCheck != null ? { healthCheck } : {}),
    ...(values.arg != null ? { args: values.arg } : {}),
    ...(values.env != null ? { env: parseKeyValues(command, 'env', values.env) } : {}),
    ...(memory != null || cpu != null ? { limits: { ...(memory != null ? { memory } : {}), ...(cpu != null ? { cpu } : {}) } } : {})
  }
}
