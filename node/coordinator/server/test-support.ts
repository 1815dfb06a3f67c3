/** Shared set-up of the API tests: a real store in a temp dir, a real registry, a server with response checks on. */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../logging/index.js'
import { deviceRegistry } from '../registry/index.js'
import { CoordinatorStore } from '../store/index.js'
import { createApiServer } from './index.js'
import type { ApiServer, ApiServerOptions } from './index.js'
import type { DeviceRegistry } from '../registry/index.js'
import type { Clock } from '../../ports/index.js'

export interface TestApi {
  server: ApiServer
  store: CoordinatorStore
  registry: DeviceRegistry
  clock: Clock & { advance(ms: number): void }
  tokens: { admin: string, operator: string, viewer: string }
  /** One request through `inject()`; `T` is the body type the test expects (the server checks its own responses). */
  call<T = ErrorBody>(method: 'GET' | 'POST' | 'DELETE', url: string, options?: { token?: string | null, body?: unknown }): Promise<{ status: number, body: T }>
  close(): Promise<void>
}

export interface ErrorBody { error: string, code: string, hint: string, issues?: Array<{ path: string, message: string }> }

/** The paths of a validation error's issues, in order. */
export function issuePaths (body: ErrorBody): string[] {
  return (body.issues ?? []).map(issue => issue.path)
}

export function manualClock (startMs = 1_700_000_000_000): Clock & { advance(ms: number): void } {
  let now = startMs
  return {
    nowMs: () => now,
    advance: (ms) => { now += ms },
    sleep: async (_ms, options = {}) => await new Promise((_resolve, reject) => {
      options.signal?.addEventListener('abort', () => { reject(new Error('aborted')) }, { once: true })
    })
  }
}

/** A server on a fresh store; with `reopen`, on an existing one whose tokens the caller kept. */
export async function testApi (options: Partial<ApiServerOptions> = {}, reopen?: { dbPath: string, tokens: TestApi['tokens'] }): Promise<TestApi> {
  const store = await CoordinatorStore.open(reopen?.dbPath ?? join(await mkdtemp(join(tmpdir(), 'fleetd-api-')), 'fleet.db'))
  const clock = manualClock()
  const registry = deviceRegistry()({ store, clock, logger: silentLogger })
  let seed = 1
  const server = createApiServer({ store, registry, clock, logger: silentLogger, random: { nextU32: () => (seed = (seed * 1_103_515_245 + 12_345) >>> 0) }, checkResponses: true, ...options })
  const admin = await server.ensureAdminToken() ?? reopen?.tokens.admin ?? ''
  const call = async <T = ErrorBody>(method: 'GET' | 'POST' | 'DELETE', url: string, { token = admin, body }: { token?: string | null, body?: unknown } = {}): Promise<{ status: number, body: T }> => {
    const res = await server.fastify.inject({
      method, url,
      headers: token == null ? {} : { authorization: `Bearer ${token}` },
      ...(body !== undefined ? { payload: body as Record<string, unknown> } : {})
    })
    return { status: res.statusCode, body: (res.body === '' ? undefined : res.json()) as T }
  }
  const create = async (role: string): Promise<string> => (await call<{ token: string }>('POST', '/api/v1/tokens', { body: { name: role, role } })).body.token
  const tokens = reopen?.tokens ?? { admin, operator: await create('operator'), viewer: await create('viewer') }
  return {
    server, store, registry, clock, tokens, call,
    close: async () => { await server.close(); await store.close() }
  }
}
