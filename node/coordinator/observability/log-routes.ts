/**
 * `GET /api/v1/devices/:id/apps/:app/logs`: an app's logs from the device, through the mesh
 * (node/log-stream), as newline-delimited JSON: `{"lines":[…]}` chunks, `{"dropped":N}` when
 * the device dropped lines for a slow reader, `{"end":true}` when the device ended the stream
 * (a tail without follow), `{"error":…,"code":…}` when it broke; an empty line every 15 s
 * keeps a quiet follow open through proxies (readers skip empty lines). Errors found before the first
 * byte (unknown device or app, a device out of reach or refusing) are ordinary API errors with
 * a status, a stable code and a hint. The device's stream is closed when the HTTP client goes,
 * and HTTP back-pressure holds back reading from the device (whose buffer drops oldest lines).
 */
import { once } from 'node:events'
import { z } from 'zod'
import { APP_NAME_PATTERN, LOG_TAIL_LINES_DEFAULT, LogsRefusedError, LogsUnknownAppError, LogsUnreachableError } from '../../log-stream/index.js'
import { LogRequestError, TAIL_LINES_MAX } from '../../runtime/logs/index.js'
import { API_PREFIX } from '../server/constants.js'
import { NotFoundError } from '../server/errors.js'
import { parseInput } from '../server/route.js'
import { deviceIdSchema } from '../store/index.js'
import { EVENT_KEEPALIVE_MS, LOG_STREAMS_MAX } from './constants.js'
import { TooManyStreamsError } from './plugin.js'
import type { DeviceLogStream, LogsQuery } from '../../log-stream/index.js'
import type { ApiPlugin } from '../server/index.js'
import type { FastifyReply } from 'fastify'

export const LOGS_CONTENT_TYPE = 'application/x-ndjson; charset=utf-8'

/** Opens a device's log stream (the coordinator node dials the device). */
export type OpenLogs = (query: LogsQuery, options: { signal: AbortSignal }) => Promise<DeviceLogStream>

const params = z.object({ id: deviceIdSchema, app: z.string().regex(APP_NAME_PATTERN, 'an app name: lowercase letters, digits, . _ -') }).strict()
const flag = z.enum(['1', '0', 'true', 'false']).transform(v => v === '1' || v === 'true')
const query = z.object({
  tail: z.coerce.number().int().min(0).max(TAIL_LINES_MAX).optional().describe(`lines of the tail (default ${LOG_TAIL_LINES_DEFAULT}, at most ${TAIL_LINES_MAX})`),
  follow: flag.optional().describe('1: keep streaming new lines'),
  since: z.coerce.number().int().min(0).optional().describe('Unix ms: skip tail lines dated before it')
}).strict()

export function deviceLogsPlugin (open: OpenLogs): ApiPlugin {
  let active = 0
  return {
    register (fastify, host) {
      fastify.get(`${API_PREFIX}/devices/:id/apps/:app/logs`, async (req, reply) => {
        await host.authenticate(req, 'viewer')
        const p = parseInput(params, req.params, 'params')
        const q = parseInput(query, req.query, 'query')
        if (await host.ctx.registry.get(p.id) == null) {
          throw new NotFoundError(`no device ${p.id} is known`, 'fleets devices lists the devices (GET /api/v1/devices); a device appears when it joins the fleet')
        }
        if (active >= LOG_STREAMS_MAX) throw new TooManyStreamsError(`${LOG_STREAMS_MAX} log streams are open`)
        active++
        const gone = new AbortController()
        // The response closes when it ended or when the client went away (Ctrl-C, a closed tab).
        reply.raw.once('close', () => { gone.abort() })
        try {
          let logs: DeviceLogStream
          try {
            logs = await open({ deviceId: p.id, app: p.app, tailLines: q.tail ?? (q.since != null ? TAIL_LINES_MAX : LOG_TAIL_LINES_DEFAULT), follow: q.follow ?? false, ...(q.since != null ? { sinceMs: q.since } : {}) }, { signal: gone.signal })
          } catch (err) {
            return await sendLogsError(reply, err)
          }
          await pump(reply, logs, gone.signal)
        } finally {
          active--
        }
      })
    }
  }
}

async function sendLogsError (reply: FastifyReply, err: unknown): Promise<FastifyReply> {
  const e = err as Error & { code?: string }
  const [status, hint] = err instanceof LogsUnknownAppError
    ? [404, 'fleets devices show DEVICE lists the apps on the device']
    : err instanceof LogsRefusedError
      ? [502, "the device does not trust this coordinator's key: re-join it with a token from this coordinator (fleets token create)"]
      : err instanceof LogRequestError
        ? [400, 'ask for fewer lines']
        : err instanceof LogsUnreachableError
          ? [503, 'check that the device is online (fleets devices) and its fleet-node runs, then retry']
          : [undefined, '']
  if (status == null) throw err
  return await reply.code(status).send({ error: e.message, code: e.code, hint })
}

/** Device chunks to the HTTP response, one JSON line each, waiting for the client to drain. */
async function pump (reply: FastifyReply, logs: DeviceLogStream, gone: AbortSignal): Promise<void> {
  reply.hijack()
  const res = reply.raw
  res.writeHead(200, { 'content-type': LOGS_CONTENT_TYPE, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' })
  const write = async (value: unknown): Promise<void> => {
    if (!res.write(JSON.stringify(value) + '\n')) await once(res, 'drain', { signal: gone }).catch(() => {})
  }
  gone.addEventListener('abort', () => { logs.close() }, { once: true })
  // An empty line now and then: proxies keep a quiet follow open, and a vanished client shows up as a failed write.
  const keepalive = setInterval(() => { if (res.writableLength === 0) res.write('\n') }, EVENT_KEEPALIVE_MS)
  try {
    for await (const chunk of logs) {
      if (chunk.dropped > 0) await write({ dropped: chunk.dropped })
      if (chunk.lines.length > 0) await write({ lines: chunk.lines })
      if (gone.aborted) break
    }
    if (!gone.aborted) await write({ end: true })
  } catch (err) {
    if (!gone.aborted) await write({ error: (err as Error).message, code: (err as { code?: string }).code ?? 'FLEET_ERR_LOGS_UNREACHABLE' })
  } finally {
    clearInterval(keepalive)
    logs.close()
    res.end()
  }
}
