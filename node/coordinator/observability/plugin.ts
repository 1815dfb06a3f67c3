import { z } from 'zod'
import { PROMETHEUS_CONTENT_TYPE } from '../../telemetry/index.js'
import { API_PREFIX } from '../server/constants.js'
import { ApiError, InvalidRequestError } from '../server/errors.js'
import { parseInput } from '../server/route.js'
import { deviceIdSchema } from '../store/index.js'
import { EVENT_TOPICS } from './event-stream.js'
import type { EventStream, EventTopic } from './event-stream.js'
import type { ApiPluginHost } from '../server/index.js'
import type { FastifyInstance } from 'fastify'

/** 503 for an event stream past EVENT_CLIENTS_MAX. */
export class TooManyStreamsError extends ApiError {
  static readonly code = 'FLEET_ERR_API_BUSY'
  readonly code = TooManyStreamsError.code
  readonly status = 503
  constructor (message: string) {
    super(message, 'close other dashboards or watches, or retry later')
    this.name = 'TooManyStreamsError'
  }
}

const eventsQuery = z.object({
  topics: z.string().max(200).optional().describe(`comma-separated, of ${EVENT_TOPICS.join(', ')} (default all)`),
  device: deviceIdSchema.optional().describe('metrics: every sample of this device')
}).strict()

/** The routes that do not answer JSON: Prometheus text, the event stream, the dashboard's files. */
export function registerRawRoutes (fastify: FastifyInstance, host: ApiPluginHost, c: {
  exposition(): Promise<string>
  events: EventStream
  dashboard: Map<string, { type: string, body: Buffer }>
}): void {
  fastify.get('/metrics', async (req, reply) => {
    await host.authenticate(req, 'viewer')
    return await reply.type(PROMETHEUS_CONTENT_TYPE).send(await c.exposition())
  })

  fastify.get(`${API_PREFIX}/events`, async (req, reply) => {
    await host.authenticate(req, 'viewer')
    const query = parseInput(eventsQuery, req.query, 'query')
    const topics = new Set<EventTopic>()
    for (const t of (query.topics ?? EVENT_TOPICS.join(',')).split(',').map(s => s.trim()).filter(s => s !== '')) {
      if (!(EVENT_TOPICS as readonly string[]).includes(t)) throw new InvalidRequestError(`invalid request: query.topics: unknown topic '${t}' (topics are ${EVENT_TOPICS.join(', ')})`, [{ path: 'query.topics', message: `unknown topic '${t}'` }])
      topics.add(t as EventTopic)
    }
    reply.hijack()
    if (!c.events.add(reply.raw, topics, query.device)) {
      const err = new TooManyStreamsError('too many event streams are open')
      reply.raw.writeHead(err.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: err.message, code: err.code, hint: err.hint }))
    }
  })

  fastify.addHook('preClose', (done) => { c.events.closeAll(); done() })

  // The dashboard: static files, no token needed to load them (the page asks for one).
  fastify.get('/', async (_req, reply) => await reply.redirect('/ui/'))
  fastify.get('/ui', async (_req, reply) => await reply.redirect('/ui/'))
  fastify.get('/ui/*', async (req, reply) => {
    const name = (req.params as { '*': string })['*'] || 'index.html'
    const file = c.dashboard.get(name) ?? c.dashboard.get('index.html')
    if (file == null) return await reply.code(404).send({ error: 'the dashboard files are missing from this installation', code: 'FLEET_ERR_API_NOT_FOUND', hint: 'reinstall FleetD' })
    return await reply.type(file.type).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'").send(file.body)
  })
}
