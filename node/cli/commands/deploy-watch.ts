/**
 * `fleets deploy watch`: polls `GET /api/v1/deployments/:id` and prints a line each time the
 * state, the phase or the report counts change. The exit code is the outcome as last seen:
 * 0 unless the deployment rolled back or failed (1).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { ApiUnreachableError } from './server-client.js'
import { formatWatchLine } from './deploy-format.js'
import type { ApiClient } from './server-client.js'
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
  return state != null && FAILED_STATES.has(state) ? 1 : 0
}
