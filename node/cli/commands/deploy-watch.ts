/**
 * `fleets deploy watch`: polls `GET /api/v1/deployments/:id` and prints a line each time the
 * state, the phase or the report counts change. The exit code is the outcome as last seen:
 * 0 unless the deployment rolled back or failed (1).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { ApiUnreachableError } from './server-client.js'
import { formatWatchLine } from './deploy-format.js'
import { evaluate } from '../../telemetry/index.js'
import type { ApiClient } from './server-client.js'
import type { AlertRule, RuleState } from '../../telemetry/index.js'
import type { DeploymentRecord, DeploymentState, ReportCounts } from '../../coordinator/store/index.js'

/** States after which the rollout does nothing more on its own. */
export const TERMINAL_STATES: ReadonlySet<DeploymentState> = new Set(['succeeded', 'rolled-back', 'failed'])
const FAILED_STATES: ReadonlySet<DeploymentState> = new Set(['rolled-back', 'failed'])

/** Polls that may fail in a row (coordinator restarting, a network blip) before watch gives up. */
export const WATCH_UNREACHABLE_MAX = 5

/** `--timeout` passed before the deployment reached a terminal state. */
export class WatchTimeoutError extends Error {
  static readonly code = 'FLEET_ERR_DEPLOY_WATCH_TIMEOUT'
  readonly code = WatchTimeoutError.code
  constructor (message: string) {
    super(message)
    this.name = 'WatchTimeoutError'
  }
}

export interface WatchOptions {
  /** Telemetry to show beside the progress (`--metrics cpu,memory`): the fleet summary of the devices running the app. */
  metrics?: string[] | undefined
  /** A threshold on those devices' telemetry (`--alert-on 'error_rate>0.01'`): prints firing/resolved; exit 3 when it fired. */
  alertOn?: AlertRule | undefined
  intervalMs: number
  /** Stop at a terminal state; otherwise follow until `signal` aborts. */
  untilDone: boolean
  json: boolean
  /** Give up after this long (`--timeout`). */
  timeoutMs?: number | undefined
  /** Aborted on Ctrl-C: the watch ends with the outcome seen so far. */
  signal: AbortSignal
}

export async function watchDeployment (client: ApiClient, id: string, options: WatchOptions): Promise<number> {
  const path = `/api/v1/deployments/${encodeURIComponent(id)}`
  const deadlineMs = options.timeoutMs != null ? Date.now() + options.timeoutMs : Infinity
  let last = ''
  let state: DeploymentState | undefined
  let unreachable = 0
  const telemetry = telemetryWatch(client, options)
  while (!options.signal.aborted) {
    let answer: { deployment: DeploymentRecord, counts: ReportCounts } | undefined
    try {
      answer = await client.get<{ deployment: DeploymentRecord, counts: ReportCounts }>(path)
      unreachable = 0
    } catch (err) {
      if (!(err instanceof ApiUnreachableError) || ++unreachable >= WATCH_UNREACHABLE_MAX) throw err
      process.stderr.write(`fleets deploy watch: ${err.message} (poll ${unreachable} of ${WATCH_UNREACHABLE_MAX} in a row; retrying)\n`)
    }
    if (answer != null) {
      const { deployment, counts } = answer
      state = deployment.state
      const key = JSON.stringify([deployment.state, deployment.phase, counts])
      if (key !== last) {
        last = key
        const atMs = Date.now()
        process.stdout.write(options.json ? JSON.stringify({ atMs, id, state: deployment.state, phase: deployment.phase, counts }) + '\n' : formatWatchLine(deployment, counts, atMs))
      }
      await telemetry?.poll(deployment.app)
      if (options.untilDone && TERMINAL_STATES.has(deployment.state)) break
    }
    if (Date.now() + options.intervalMs > deadlineMs) {
      throw new WatchTimeoutError(`deployment ${id} is ${state ?? 'unknown'} after --timeout; fleets deploy show ${id} has the details`)
    }
    try {
      await sleep(options.intervalMs, undefined, { signal: options.signal })
    } catch {
      break // aborted
    }
  }
  if (state != null && FAILED_STATES.has(state)) return 1
  return telemetry?.fired() === true ? WATCH_ALERT_EXIT : 0
}

/** Exit code of a watch whose --alert-on fired (and whose deployment did not fail). */
export const WATCH_ALERT_EXIT = 3

interface Summary { devices: number, metrics: Record<string, { devices: number, avg: number, min: number, max: number } | null> }

/**
 * The telemetry side of a watch: each poll asks the coordinator for the latest metrics of the
 * devices running the deployment's app, prints them when they changed, and evaluates
 * --alert-on on the worst device (max for > and >=, min for < and <=).
 */
function telemetryWatch (client: ApiClient, options: WatchOptions): { poll(app: string): Promise<void>, fired(): boolean } | undefined {
  const rule = options.alertOn
  if ((options.metrics == null || options.metrics.length === 0) && rule == null) return undefined
  const names = [...new Set([...(options.metrics ?? []), ...(rule != null ? [rule.metric] : [])])]
  let last = ''
  let state: RuleState | undefined
  let everFired = false
  return {
    fired: () => everFired,
    poll: async (app) => {
      let summary: Summary
      try {
        summary = await client.get<Summary>(`/api/v1/telemetry/summary?${new URLSearchParams({ metrics: names.join(','), app }).toString()}`)
      } catch (err) {
        if (err instanceof ApiUnreachableError) return // the progress poll reports reachability
        throw err
      }
      const atMs = Date.now()
      if (options.metrics != null && options.metrics.length > 0) {
        const text = options.metrics.map(n => `${n} ${formatAggregate(n, summary.metrics[n] ?? null)}`).join(' · ')
        if (text !== last) {
          last = text
          process.stdout.write(options.json
            ? JSON.stringify({ atMs, metrics: Object.fromEntries(options.metrics.map(n => [n, summary.metrics[n] ?? null])), devices: summary.devices }) + '\n'
            : `${new Date(atMs).toISOString().slice(11, 19)}  metrics of ${summary.devices} device(s) running ${app}: ${text}\n`)
        }
      }
      const agg = rule != null ? summary.metrics[rule.metric] : undefined
      if (rule == null || agg == null) return
      const worst = rule.kind === 'threshold' && (rule.op === '<' || rule.op === '<=') ? agg.min : agg.max
      const e = evaluate(rule, state, worst, atMs)
      state = e.state
      if (e.transition == null) return
      if (e.transition === 'firing') everFired = true
      process.stdout.write(options.json
        ? JSON.stringify({ atMs, alert: e.transition, reason: e.reason, devices: agg.devices }) + '\n'
        : `${new Date(atMs).toISOString().slice(11, 19)}  ALERT ${e.transition}: ${e.reason} (worst of ${agg.devices} device(s))\n`)
    }
  }
}

function formatAggregate (name: string, a: Summary['metrics'][string]): string {
  if (a == null) return '–'
  const f = (v: number): string => /memory|bytes/.test(name) ? `${(v / 1048576).toFixed(0)} MiB` : Number.isInteger(v) ? String(v) : v.toPrecision(3)
  return `mean ${f(a.avg)} max ${f(a.max)}`
}
