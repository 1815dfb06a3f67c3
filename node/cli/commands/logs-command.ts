/**
 * `fleets logs DEVICE APP`: an app's logs from a device, through the coordinator and the
 * mesh (GET /api/v1/devices/:id/apps/:app/logs, newline-delimited JSON). DEVICE is a device id
 * or a device name. With --follow it streams until Ctrl-C (which ends the stream on the device
 * too) or until the device goes away.
 */
import { parseFlags, UsageError } from '../args.js'
import { parseDurationMs } from './flag-units.js'
import { API_REQUEST_TIMEOUT_MS, ApiRequestError, ApiUnreachableError, apiClient, SERVER_FLAGS_HELP, SERVER_OPTIONS } from './server-client.js'
import { LOG_TAIL_LINES_DEFAULT } from '../../log-stream/index.js'
import { TAIL_LINES_MAX } from '../../runtime/logs/index.js'
import type { ApiClient } from './server-client.js'
import type { DeviceView } from '../../coordinator/registry/index.js'

export const LOGS_HELP = `Usage: fleets logs DEVICE APP [--follow] [--tail N] [--since DURATION] [options]

An app's stdout and stderr from a device, through the mesh (the device serves them to the
coordinator only). DEVICE is a device id or name (fleets devices list).

  -f, --follow       keep printing new lines as the app writes them, until Ctrl-C
  -n, --tail N       lines of the tail to print first (default ${LOG_TAIL_LINES_DEFAULT}; at most ${TAIL_LINES_MAX}; 0 for none)
  --since DURATION   only lines dated in the last DURATION (30s, 10m, 2h): lines that start
                     with an ISO-8601 time; see node/log-stream/README.md
${SERVER_FLAGS_HELP}
                 (--json prints {"lines":[…]} and {"dropped":N} objects, one a line)

When the device drops lines because the reader is slower than the app, '[N lines dropped]'
is printed to stderr where they were lost. Exit codes: 0 done (or Ctrl-C), 1 the device or the
coordinator refused or could not be reached (the code in brackets says why), 2 wrong usage.
`

/** Device pages searched for a name. */
const NAME_PAGES_MAX = 20

export async function logsCommand (argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('logs', argv, {
    ...SERVER_OPTIONS, follow: { type: 'boolean', short: 'f' }, tail: { type: 'string', short: 'n' }, since: { type: 'string' }
  }, 2)
  if (values.help === true) { process.stdout.write(LOGS_HELP); return 0 }
  const [device, app] = positionals
  if (device == null || app == null) throw new UsageError('name the device and the app: fleets logs DEVICE APP', 'logs')
  if (!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(app)) throw new UsageError(`'${app}' is not an app name (lowercase letters, digits, . _ -); fleets app list shows them`, 'logs')
  const tail = values.tail == null ? undefined : Number(values.tail)
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0 || tail > TAIL_LINES_MAX)) {
    throw new UsageError(`--tail must be a whole number from 0 to ${TAIL_LINES_MAX}, got '${values.tail ?? ''}'`, 'logs')
  }
  const sinceMs = values.since == null ? undefined : Date.now() - parseDurationMs('logs', 'since', values.since)
  const client = apiClient('logs', values)
  const id = await resolveDevice(client, device)
  const query = new URLSearchParams()
  if (tail !== undefined) query.set('tail', String(tail))
  if (values.follow === true) query.set('follow', '1')
  if (sinceMs !== undefined) query.set('since', String(sinceMs))
  const stop = new AbortController()
  const onSignal = (): void => { stop.abort() }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    return await stream(client, `/api/v1/devices/${encodeURIComponent(id)}/apps/${app}/logs?${query.toString()}`, values.json === true, stop.signal)
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

/** A device id as it is, or the id of the device with that name. */
async function resolveDevice (client: ApiClient, device: string): Promise<string> {
  try {
    return (await client.get<DeviceView>(`/api/v1/devices/${encodeURIComponent(device)}`)).id
  } catch (err) {
    if (!(err instanceof ApiRequestError) || (err.status !== 404 && err.status !== 400)) throw err
  }
  const named: string[] = []
  let after: string | undefined
  for (let page = 0; page < NAME_PAGES_MAX; page++) {
    const answer = await client.get<{ devices: DeviceView[], next?: string }>(`/api/v1/devices?limit=1000${after != null ? `&after=${encodeURIComponent(after)}` : ''}`)
    named.push(...answer.devices.filter(d => d.name === device).map(d => d.id))
    if (answer.next == null) break
    after = answer.next
  }
  if (named.length === 1 && named[0] != null) return named[0]
  if (named.length > 1) throw new ApiRequestError(`${named.length} devices are named '${device}' (${named.join(', ')}); give the device id instead`, 'FLEET_ERR_API_NOT_FOUND', 404, '')
  throw new ApiRequestError(`no device has the id or name '${device}'; fleets devices list shows them`, 'FLEET_ERR_API_NOT_FOUND', 404, '')
}

async function stream (client: ApiClient, path: string, json: boolean, stop: AbortSignal): Promise<number> {
  const opening = new AbortController()
  const timer = setTimeout(() => { opening.abort(new Error(`no answer within ${API_REQUEST_TIMEOUT_MS / 1000} s`)) }, API_REQUEST_TIMEOUT_MS)
  let res: Response
  try {
    res = await fetch(client.server + path, { headers: { authorization: `Bearer ${client.token}`, accept: 'application/x-ndjson' }, signal: AbortSignal.any([stop, opening.signal]) })
  } catch (err) {
    if (stop.aborted) return 0
    const cause = (err as Error & { cause?: { code?: string } }).cause
    throw new ApiUnreachableError(`cannot reach the coordinator at ${client.server} (${cause?.code ?? (err as Error).message}); is fleets server running? pass --server or set FLEETD_SERVER`, { cause: err })
  } finally {
    clearTimeout(timer)
  }
  if (!res.ok || res.body == null) {
    const text = await res.text().catch(() => '')
    let e: { error?: string, code?: string, hint?: string } = {}
    try { e = JSON.parse(text) as typeof e } catch { /* not JSON: the status says enough */ }
    throw new ApiRequestError(`${e.error ?? `HTTP ${res.status}`}${e.hint != null && e.hint !== '' ? `; ${e.hint}` : ''}`, e.code ?? 'FLEET_ERR_API_INTERNAL', res.status, e.hint ?? '')
  }
  let buffer = ''
  try {
    for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
      buffer += chunk
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        if (line !== '') printEvent(JSON.parse(line) as LogEvent, json)
      }
    }
  } catch (err) {
    if (stop.aborted) return 0
    if (err instanceof ApiRequestError) throw err
    throw new ApiUnreachableError(`the log stream from the coordinator broke (${(err as Error).message}); run the command again`, { cause: err })
  }
  return 0
}

type LogEvent = { lines?: string[], dropped?: number, end?: boolean, error?: string, code?: string }

function printEvent (event: LogEvent, json: boolean): void {
  if (event.error != null) throw new ApiRequestError(event.error, event.code ?? 'FLEET_ERR_LOGS_UNREACHABLE', 502, '')
  if (json) {
    if (event.end !== true) process.stdout.write(JSON.stringify(event) + '\n')
    return
  }
  if (event.dropped != null && event.dropped > 0) process.stderr.write(`[${event.dropped} lines dropped: the stream was slower than the app]\n`)
  if (event.lines != null && event.lines.length > 0) process.stdout.write(event.lines.join('\n') + '\n')
}
