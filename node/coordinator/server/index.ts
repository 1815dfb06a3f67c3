/**
 * The coordinator's HTTP JSON API (`/api/v1`, described by the OpenAPI 3.1 document it serves
 * at `/api/v1/openapi.json`): devices, apps, deployments and their operator commands, API
 * tokens and the audit log. Every route but health and the document needs a bearer token;
 * roles are viewer (reads) < operator (apps, deployments, promote/pause/resume/rollback) <
 * admin (tokens, keys, devices). Errors are `{ error, code, hint }` with 400/401/403/404/409/413.
 *
 * `fleets server` wires it: it opens the store, starts the mesh and the registry, attaches the
 * rollout controller as the DeploymentEngine, and calls `listen()`.
 *
 * @example
 * ```ts
 * import { createApiServer } from './server/index.js'
 * import { deviceRegistry } from './registry/index.js'
 * import { CoordinatorStore } from './store/index.js'
 * import { consoleLogger } from '../logging/index.js'
 * import { systemClock } from '../ports/index.js'
 *
 * const store = await CoordinatorStore.open('/tmp/fleet-example.db')
 * const clock = systemClock()
 * const logger = consoleLogger()
 * const registry = deviceRegistry()({ store, clock, logger })
 * const server = createApiServer({ store, registry, clock, logger })
 * const { url, adminToken } = await server.listen(0, '127.0.0.1')
 * if (adminToken != null) console.log(`admin token (shown once): ${adminToken}`)
 * const res = await fetch(`${url}/api/v1/devices`, { headers: { authorization: `Bearer ${adminToken ?? ''}` } })
 * console.log(res.status)
 * await server.close()
 * await store.close()
 * ```
 */
import { DefaultApiServer } from './api-server.js'
import type { DeploymentSpecShape } from './deployment-input.js'
import type { DeploymentEngine } from './engine.js'
import type { OpenApiDocument } from './openapi.js'
import type { ApiRoute } from './route.js'
import type { AuditLog } from '../audit/index.js'
import type { DeviceRegistry } from '../registry/index.js'
import type { CoordinatorStore } from '../store/index.js'
import type { ComponentLogger } from '../../logging/index.js'
import type { Clock, Random } from '../../ports/index.js'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ApiContext, Actor } from './context.js'
import type { Role } from '../store/index.js'
import type { z } from 'zod'

export interface ApiServerInit {
  /** Largest request body. @default 65536 */
  bodyBytesMax?: number
  /**
   * Schema of `POST /api/v1/deployments` bodies: the rollout controller's spec schema.
   * `id` and `version` are filled by the server when left out. @default defaultDeploymentSpecSchema
   */
  deploymentSpecSchema?: z.ZodType<DeploymentSpecShape>
  /** Check every response against its route's schema (500 on a mismatch): for tests. @default false */
  checkResponses?: boolean
  /** Shown by /health and in the document. @default the package version */
  version?: string
}

export interface ApiServerComponents {
  store: CoordinatorStore
  registry: DeviceRegistry
  /** Receives operator commands. @default recordingEngine() (records, decides nothing) */
  engine?: DeploymentEngine
  clock: Clock
  logger: ComponentLogger
  /** Deployment id suffixes. @default systemRandom() */
  random?: Random
  /** @default auditLog() on `store` */
  audit?: AuditLog
  /** Extra routes (observability): JSON routes join the table and the document; `register` adds raw ones. */
  plugins?: ApiPlugin[]
}

/** What a plugin's raw routes get: the handlers' context and the token check JSON routes use. */
export interface ApiPluginHost {
  ctx: ApiContext
  /** Throws the API's 401/403 errors; returns the caller. */
  authenticate(req: FastifyRequest, role: Role): Promise<Actor>
}

export interface ApiPlugin {
  routes?: ApiRoute[]
  register?(fastify: FastifyInstance, host: ApiPluginHost): void
}

export type ApiServerOptions = ApiServerComponents & ApiServerInit

export interface ApiServer {
  /** The Fastify instance: `inject()` for tests, nothing else should need it. */
  readonly fastify: FastifyInstance
  readonly routes: readonly ApiRoute[]
  openapi(): OpenApiDocument
  /** Creates the first admin token when the store has no token at all; returns it (the only time it is shown). */
  ensureAdminToken(): Promise<string | undefined>
  /** Ensures the admin token, then listens; port 0 picks a free one. The caller prints `adminToken` once. */
  listen(port: number, host: string): Promise<{ url: string, port: number, adminToken?: string }>
  /** Graceful shutdown: stop accepting, finish requests in flight, flush the store. Idempotent; the store stays open for its owner. */
  close(): Promise<void>
}

export function createApiServer (options: ApiServerOptions): ApiServer {
  return new DefaultApiServer(options)
}

export { recordingEngine } from './engine.js'
export type { DeploymentCommand, DeploymentCommandResult, DeploymentEngine } from './engine.js'
export { defaultDeploymentSpecSchema, checkTarget } from './deployment-input.js'
export type { DeploymentSpecShape } from './deployment-input.js'
export { parseArtifactRef, parseHealthCheckUrl, appCreateSchema } from './app-input.js'
export { buildOpenApi } from './openapi.js'
export type { OpenApiDocument } from './openapi.js'
export type { ApiRoute } from './route.js'
export type { Actor, ApiContext } from './context.js'
export { TokenService, roleAllows, sha256Hex } from './tokens.js'
export {
  ApiError, BodyTooLargeError, ConflictError, ForbiddenError, InternalApiError, InvalidRequestError, NotFoundError, UnauthorizedError
} from './errors.js'
export type { ValidationIssue } from './errors.js'
export { ApiListenError } from './listen-error.js'
export { API_PREFIX, API_TOKEN_PREFIX, BODY_BYTES_MAX } from './constants.js'
