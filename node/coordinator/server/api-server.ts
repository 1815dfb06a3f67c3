import Fastify from 'fastify'
import { auditLog } from '../audit/index.js'
import { DeviceExistsError, DeviceNotFoundError } from '../registry/index.js'
import { StoreRecordError } from '../store/index.js'
import { systemRandom } from '../../ports/index.js'
import { FLEETD_VERSION } from '../../version.js'
import { BODY_BYTES_MAX, KEEP_ALIVE_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from './constants.js'
import { defaultDeploymentSpecSchema } from './deployment-input.js'
import { recordingEngine } from './engine.js'
import { ApiError, BodyTooLargeError, ConflictError, InternalApiError, InvalidRequestError, NotFoundError } from './errors.js'
import { ApiListenError } from './listen-error.js'
import { buildOpenApi } from './openapi.js'
import { parseInput } from './route.js'
import { appRoutes } from './routes/app-routes.js'
import { auditRoutes } from './routes/audit-routes.js'
import { deploymentRoutes } from './routes/deployment-routes.js'
import { deviceRoutes } from './routes/device-routes.js'
import { healthRoutes } from './routes/health-routes.js'
import { tokenRoutes } from './routes/token-routes.js'
import { TokenService } from './tokens.js'
import type { ApiContext } from './context.js'
import type { ApiPluginHost, ApiServer, ApiServerOptions } from './index.js'
import type { OpenApiDocument } from './openapi.js'
import type { ApiRoute } from './route.js'
import type { Logger } from '../../logging/index.js'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AddressInfo } from 'node:net'

export class DefaultApiServer implements ApiServer {
  readonly fastify: FastifyInstance
  readonly routes: readonly ApiRoute[]
  private readonly ctx: ApiContext
  private readonly log: Logger
  private document?: OpenApiDocument
  private closing?: Promise<void>

  constructor (private readonly options: ApiServerOptions) {
    this.log = options.logger.forComponent('fleet:coordinator:api')
    const audit = options.audit ?? auditLog()({ store: options.store, clock: options.clock })
    this.ctx = {
      store: options.store,
      registry: options.registry,
      engine: options.engine ?? recordingEngine(),
      audit,
      tokens: new TokenService({ store: options.store, clock: options.clock, audit }),
      clock: options.clock,
      random: options.random ?? systemRandom(),
      logger: this.log,
      version: options.version ?? FLEETD_VERSION
    }
    this.routes = [
      ...healthRoutes(() => this.openapi() as unknown as Record<string, unknown>),
      ...deviceRoutes(),
      ...tokenRoutes(),
      ...appRoutes(),
      ...deploymentRoutes(options.deploymentSpecSchema ?? defaultDeploymentSpecSchema),
      ...auditRoutes(),
      ...(options.plugins ?? []).flatMap(p => p.routes ?? [])
    ]
    this.fastify = Fastify({
      logger: false,
      bodyLimit: options.bodyBytesMax ?? BODY_BYTES_MAX,
      requestTimeout: REQUEST_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      return503OnClosing: true,
      forceCloseConnections: 'idle'
    })
    this.fastify.setErrorHandler((err: FastifyError, _req, reply) => this.sendError(reply, err))
    this.fastify.setNotFoundHandler((req, reply) => {
      this.sendError(reply, new NotFoundError(`no route ${req.method} ${req.url.split('?')[0] ?? ''}`, 'GET /api/v1/openapi.json lists every route'))
    })
    for (const route of this.routes) {
      this.fastify.route({ method: route.method, url: route.path, handler: async (req, reply) => await this.handle(route, req, reply) })
    }
    // Plugins serve what is not JSON (Prometheus text, event streams, the dashboard's files) with the same tokens.
    const host: ApiPluginHost = {
      ctx: this.ctx,
      authenticate: async (req, role) => {
        const actor = await this.ctx.tokens.authenticate(req.headers.authorization)
        this.ctx.tokens.authorize(actor, role, `${req.method} ${req.url.split('?')[0] ?? ''}`)
        return actor
      }
    }
    for (const plugin of options.plugins ?? []) plugin.register?.(this.fastify, host)
  }

  openapi (): OpenApiDocument {
    this.document ??= buildOpenApi(this.routes, this.ctx.version)
    return this.document
  }

  async ensureAdminToken (): Promise<string | undefined> {
    const created = await this.ctx.tokens.ensureAdminToken()
    if (created == null) return undefined
    this.log.info("created the first admin token '%s' (id %s); it is shown once, by whoever started the server", created.record.name, created.record.id)
    return created.token
  }

  async listen (port: number, host: string): Promise<{ url: string, port: number, adminToken?: string }> {
    const adminToken = await this.ensureAdminToken()
    try {
      await this.fastify.listen({ port, host })
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      throw new ApiListenError(`the coordinator API cannot listen on ${host}:${port}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.message}`, { cause: err })
    }
    const address = this.fastify.server.address() as AddressInfo
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
    this.log.info('coordinator API listening on http://%s:%d', shownHost, address.port)
    return { url: `http://${shownHost}:${address.port}`, port: address.port, ...(adminToken != null ? { adminToken } : {}) }
  }

  /** Stops accepting requests, lets those in flight finish (503 for new ones), then flushes the store; idempotent. */
  async close (): Promise<void> {
    this.closing ??= (async () => {
      await this.fastify.close()
      await this.ctx.store.flush()
    })()
    await this.closing
  }

  private async handle (route: ApiRoute, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    let actor = null
    if (route.role != null) {
      actor = await this.ctx.tokens.authenticate(req.headers.authorization)
      this.ctx.tokens.authorize(actor, route.role, `${route.method} ${route.path}`)
    }
    const params = route.params != null ? parseInput(route.params, req.params, 'params') : undefined
    const query = route.query != null ? parseInput(route.query, req.query, 'query') : undefined
    let body
    if (route.body != null) {
      if (req.body == null && route.bodyOptional !== true) throw new InvalidRequestError('invalid request: body: a JSON body is required', [{ path: 'body', message: 'required' }])
      body = parseInput(route.body, req.body ?? {}, 'body')
    }
    const result = await route.handler({ params, query, body, actor, ctx: this.ctx })
    if (this.options.checkResponses === true) {
      const check = route.response.safeParse(result)
      if (!check.success) throw new InternalApiError(`response of ${route.method} ${route.path} does not match its schema: ${check.error.message}`)
    }
    return await reply.code(route.status ?? 200).send(result)
  }

  private sendError (reply: FastifyReply, err: unknown): void {
    const api = toApiError(err)
    if (api instanceof InternalApiError) this.log.error('request failed: %s', (err as Error).stack ?? String(err))
    const issues = api instanceof InvalidRequestError && api.issues.length > 0 ? { issues: api.issues } : {}
    void reply.code(api.status).send({ error: api.message, code: storeCode(err) ?? api.code, hint: api.hint, ...issues })
  }
}

function storeCode (err: unknown): string | undefined {
  return err instanceof StoreRecordError ? err.code : undefined
}

/** Maps whatever a handler or Fastify threw onto a coded API error. */
function toApiError (err: unknown): ApiError {
  if (err instanceof ApiError) return err
  if (err instanceof DeviceNotFoundError) return new NotFoundError(err.message, 'GET /api/v1/devices lists the devices')
  if (err instanceof DeviceExistsError) return new ConflictError(err.message, 'POST /api/v1/devices/{id}/labels changes labels and groups')
  if (err instanceof StoreRecordError) return new InternalApiError(err.message)
  const e = err as FastifyError
  if (e.statusCode === 413) return new BodyTooLargeError(Number(/(\d+)/.exec(e.message)?.[1] ?? BODY_BYTES_MAX))
  if (e.statusCode === 415) return new InvalidRequestError(`invalid request: ${e.message}`, [], "send the body as JSON with 'Content-Type: application/json'")
  if (e.statusCode != null && e.statusCode >= 400 && e.statusCode < 500) {
    const message = e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e instanceof SyntaxError ? 'the body is not valid JSON' : e.message
    return new InvalidRequestError(`invalid request: body: ${message}`, [{ path: 'body', message }])
  }
  return new InternalApiError()
}
