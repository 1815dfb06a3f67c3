import { open } from 'node:fs/promises'
import { parseFlags, UsageError } from '../args.js'
import { DEPLOYMENT_STATES } from '../../coordinator/store/records.js'
import { DEPLOY_HELP } from './deploy-help.js'
import { formatDeployment, formatDeploymentTable } from './deploy-format.js'
import { deploymentBody, STRATEGY_FLAGS } from './deploy-spec-flags.js'
import { watchDeployment } from './deploy-watch.js'
import { parseThresholdExpression } from '../../telemetry/index.js'
import { parseCount, parseDurationMs } from './flag-units.js'
import { apiClient, SERVER_OPTIONS } from './server-client.js'
import type { DeploymentRecord, ReportCounts } from '../../coordinator/store/index.js'
import type { ApiClient } from './server-client.js'

export { DEPLOY_HELP }

const COMMANDS = ['promote', 'pause', 'resume', 'rollback'] as const
const SUBCOMMANDS = ['create', 'list', 'show', 'watch', ...COMMANDS] as const
type Sub = (typeof SUBCOMMANDS)[number]

/** The `--phases` file is sent in the request body, whose limit is 64 KiB. */
const PHASES_FILE_BYTES_MAX = 64 * 1024
/** Polling faster than this only loads the coordinator: reports arrive at most every few seconds. */
const WATCH_INTERVAL_MS_MIN = 100
const WATCH_INTERVAL_MS_DEFAULT = 2_000
const LIST_LIMIT_MAX = 5_000

const OPTIONS = {
  ...SERVER_OPTIONS,
  app: { type: 'string' }, version: { type: 'string' }, target: { type: 'string' }, strategy: { type: 'string' }, id: { type: 'string' },
  'rollback-to': { type: 'string' }, initial: { type: 'string' }, increment: { type: 'string' }, interval: { type: 'string' },
  phases: { type: 'string' }, validation: { type: 'string' }, 'batch-size': { type: 'string' }, 'max-unavailable': { type: 'string' },
  'batch-duration': { type: 'string' }, 'stage-duration': { type: 'string' }, 'switch-duration': { type: 'string' }, staged: { type: 'string' },
  duration: { type: 'string' }, 'rollback-on-error': { type: 'string' }, trigger: { type: 'string', multiple: true },
  'min-samples': { type: 'string' }, success: { type: 'string' }, 'inconclusive-max': { type: 'string' }, 'evaluation-interval': { type: 'string' },
  'circuit-breaker': { type: 'string' }, 'promote-deadline': { type: 'string' }, 'rollback-timeout': { type: 'string' },
  'gradual-step-timeout': { type: 'string' },
  state: { type: 'string' }, limit: { type: 'string' }, reason: { type: 'string' }, 'until-done': { type: 'boolean' }, timeout: { type: 'string' },
  metrics: { type: 'string' }, 'alert-on': { type: 'string' }
} as const
type Flag = Exclude<keyof typeof OPTIONS, keyof typeof SERVER_OPTIONS>

const CREATE_FLAGS: readonly Flag[] = [
  'app', 'version', 'target', 'strategy', 'id', 'rollback-to', 'rollback-on-error', 'trigger', 'min-samples', 'success', 'inconclusive-max',
  'evaluation-interval', 'circuit-breaker', 'promote-deadline', 'rollback-timeout', 'gradual-step-timeout', ...new Set(Object.values(STRATEGY_FLAGS).flat())
]
const ALLOWED: Record<Sub, readonly Flag[]> = {
  create: CREATE_FLAGS,
  list: ['app', 'state', 'limit'],
  show: [],
  watch: ['interval', 'until-done', 'timeout', 'metrics', 'alert-on'],
  promote: ['reason'],
  pause: ['reason'],
  resume: ['reason'],
  rollback: ['reason']
}

export async function deployCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === '--help' || sub === '-h' || sub == null) { process.stdout.write(DEPLOY_HELP); return sub == null ? 2 : 0 }
  if (!(SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new UsageError(`unknown subcommand '${sub}'; the deploy command has: ${SUBCOMMANDS.join(', ')}`, 'deploy')
  }
  const command = `deploy ${sub}`
  const { values, positionals } = parseFlags(command, rest, OPTIONS, sub === 'create' || sub === 'list' ? 0 : 1)
  if (values.help === true) { process.stdout.write(DEPLOY_HELP); return 0 }
  const wrong = (Object.keys(OPTIONS) as Array<keyof typeof OPTIONS>)
    .find(f => values[f] != null && !(f in SERVER_OPTIONS) && !ALLOWED[sub as Sub].includes(f as Flag))
  if (wrong != null) throw new UsageError(`--${wrong} is not an option of ${command}`, command)
  const json = values.json === true
  if (sub === 'create') {
    const phasesText = values.phases != null ? await readPhasesFile(command, values.phases) : undefined
    const body = deploymentBody(command, values, { nowMs: Date.now(), ...(phasesText != null ? { phasesText } : {}) })
    const created = await apiClient(command, values).post<DeploymentRecord>('/api/v1/deployments', body)
    process.stdout.write(json ? JSON.stringify(created) + '\n' : `${created.id}\n`)
    return 0
  }
  if (sub === 'list') return await list(command, apiClient(command, values), values, json)
  const id = positionals[0]
  if (id == null) throw new UsageError('missing the deployment ID (fleets deploy list shows them)', command)
  const path = `/api/v1/deployments/${encodeURIComponent(id)}`
  if (sub === 'watch') {
    const intervalMs = values.interval != null ? parseDurationMs(command, 'interval', values.interval) : WATCH_INTERVAL_MS_DEFAULT
    if (intervalMs < WATCH_INTERVAL_MS_MIN) throw new UsageError(`--interval must be at least ${WATCH_INTERVAL_MS_MIN}ms, got '${values.interval ?? ''}'`, command)
    const timeoutMs = values.timeout != null ? parseDurationMs(command, 'timeout', values.timeout) : undefined
    const client = apiClient(command, values)
    const stop = new AbortController()
    const onSignal = (): void => { stop.abort() }
    process.once('SIGINT', onSignal)
    try {
      const metrics = values.metrics?.split(',').map(s => s.trim()).filter(s => s !== '')
      let alertOn
      if (values['alert-on'] != null) {
        try {
          alertOn = parseThresholdExpression(values['alert-on'], 'watch')
        } catch (err) {
          throw new UsageError(`--alert-on: ${(err as Error).message}`, command)
        }
      }
      return await watchDeployment(client, id, { intervalMs, untilDone: values['until-done'] === true, json, timeoutMs, signal: stop.signal, metrics, alertOn })
    } finally {
      process.off('SIGINT', onSignal)
    }
  }
  const client = apiClient(command, values)
  if (sub === 'show') {
    const { deployment, counts } = await client.get<{ deployment: DeploymentRecord, counts: ReportCounts }>(path)
    process.stdout.write(json ? JSON.stringify({ deployment, counts }) + '\n' : formatDeployment(deployment, counts, Date.now()))
    return 0
  }
  const answer = await client.post<{ deployment: DeploymentRecord, result: { accepted: boolean, state?: string, phase?: number, reason?: string } }>(
    `${path}/${sub}`, values.reason != null ? { reason: values.reason } : {})
  const d = answer.deployment
  process.stdout.write(json
    ? JSON.stringify(answer) + '\n'
    : `${d.id}: ${sub} accepted; ${d.state}, phase ${d.phase}${answer.result.reason != null ? ` (${answer.result.reason})` : ''}\n`)
  return 0
}

async function list (command: string, client: ApiClient, values: { app?: string | undefined, state?: string | undefined, limit?: string | undefined }, json: boolean): Promise<number> {
  if (values.state != null && !(DEPLOYMENT_STATES as readonly string[]).includes(values.state)) {
    throw new UsageError(`--state takes ${DEPLOYMENT_STATES.join(', ')}, got '${values.state}'`, command)
  }
  const query = new URLSearchParams()
  if (values.app != null) query.set('app', values.app)
  if (values.state != null) query.set('state', values.state)
  if (values.limit != null) query.set('limit', String(parseCount(command, 'limit', values.limit, 1, LIST_LIMIT_MAX)))
  const { deployments } = await client.get<{ deployments: DeploymentRecord[] }>(`/api/v1/deployments${query.size > 0 ? `?${query.toString()}` : ''}`)
  process.stdout.write(json ? JSON.stringify(deployments) + '\n' : formatDeploymentTable(deployments, Date.now()))
  return 0
}

/** Reads the `--phases` file, bounded: a wrong path or a huge file is a usage error naming it. */
async function readPhasesFile (command: string, file: string): Promise<string> {
  let handle
  try {
    handle = await open(file, 'r')
  } catch (err) {
    throw new UsageError(`--phases ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, command)
  }
  try {
    const { size } = await handle.stat()
    if (size > PHASES_FILE_BYTES_MAX) throw new UsageError(`--phases ${file}: ${size} bytes, over ${PHASES_FILE_BYTES_MAX}; a phase list is a few hundred bytes`, command)
    const buffer = Buffer.alloc(size)
    await handle.read(buffer, 0, size, 0)
    return buffer.toString('utf8')
  } finally {
    await handle.close()
  }
}
