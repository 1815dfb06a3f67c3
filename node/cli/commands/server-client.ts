/**
 * How `fleets` commands talk to a running coordinator: `--server` (or FLEETD_SERVER, default
 * http://127.0.0.1:8080) and `--token` (or FLEETD_TOKEN), JSON over HTTP, and errors that keep
 * the server's stable code and hint.
 */
import { UsageError } from '../args.js'

export const DEFAULT_SERVER = 'http://127.0.0.1:8080'

/** A stuck coordinator fails the command instead of hanging it. */
export const API_REQUEST_TIMEOUT_MS = 30_000

/** Flags every server command takes; spread into its parseFlags options. */
export const SERVER_OPTIONS = {
  server: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const

export const SERVER_FLAGS_HELP = `  --server URL   the coordinator API (default $FLEETD_SERVER or ${DEFAULT_SERVER})
  --token T      an API token (default $FLEETD_TOKEN); a viewer token reads, see 'fleets server'
  --json         print JSON instead of text`

/** The coordinator answered with an error: its code (FLEET_ERR_API_*), message and hint. */
export class ApiRequestError extends Error {
  constructor (message: string, readonly code: string, readonly status: number, readonly hint: string) {
    super(message)
    this.name = 'ApiRequestError'
  }
}

/** No coordinator answered at `--server`. */
export class ApiUnreachableError extends Error {
  static readonly code = 'FLEET_ERR_API_UNREACHABLE'
  readonly code = ApiUnreachableError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ApiUnreachableError'
  }
}

export interface ApiClient {
  readonly server: string
  /** For requests the client does not make itself (streams). */
  readonly token: string
  get<T>(path: string): Promise<T>
  post<T>(path: string, body: unknown): Promise<T>
}

/** Builds a client from the flags, checking them first: a bad --server or a missing token is a usage error. */
export function apiClient (command: string, values: { server?: string | undefined, token?: string | undefined }, env: NodeJS.ProcessEnv = process.env): ApiClient {
  const server = (values.server ?? env.FLEETD_SERVER ?? DEFAULT_SERVER).replace(/\/+$/, '')
  let url: URL
  try {
    url = new URL(server)
  } catch {
    throw new UsageError(`--server must be a URL like ${DEFAULT_SERVER}, got '${server}'`, command)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--server must be an http:// or https:// URL, got '${server}'`, command)
  const token = values.token ?? env.FLEETD_TOKEN
  if (token == null || token === '') {
    throw new UsageError('no API token: pass --token T or set FLEETD_TOKEN (the admin token is printed at the first start of fleets server)', command)
  }
  const request = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    let res: Response
    try {
      res = await fetch(server + path, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(API_REQUEST_TIMEOUT_MS)
      })
    } catch (err) {
      const cause = (err as Error & { cause?: { code?: string, message?: string } }).cause
      const why = (err as Error).name === 'TimeoutError' ? `no answer within ${API_REQUEST_TIMEOUT_MS / 1000} s` : cause?.code ?? cause?.message ?? (err as Error).message
      throw new ApiUnreachableError(`cannot reach the coordinator at ${server} (${why}); is fleets server running? pass --server or set FLEETD_SERVER`, { cause: err })
    }
    const text = await res.text()
    let parsed: unknown
    try {
      parsed = text === '' ? undefined : JSON.parse(text)
    } catch {
      throw new ApiUnreachableError(`${server} answered ${method} ${path} with HTTP ${res.status} and no JSON: is it a FleetD coordinator? check --server`)
    }
    if (!res.ok) {
      const e = (parsed ?? {}) as { error?: string, code?: string, hint?: string }
      throw new ApiRequestError(`${e.error ?? `HTTP ${res.status}`}${e.hint != null ? `; ${e.hint}` : ''}`, e.code ?? 'FLEET_ERR_API_INTERNAL', res.status, e.hint ?? '')
    }
    return parsed as T
  }
  return {
    server,
    token,
    get: async <T>(path: string) => await request<T>('GET', path),
    post: async <T>(path: string, body: unknown) => await request<T>('POST', path, body)
  }
}

/** Rows as aligned columns, the first row the header. */
export function formatTable (rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map(r => (r[i] ?? '').length))) ?? []
  return rows.map(r => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n'
}

/** `12s ago`, `5m ago`, `3h ago`, `2d ago`; `never` for null. */
export function ago (ms: number | null, nowMs: number): string {
  if (ms == null) return 'never'
  const s = Math.max(0, Math.round((nowMs - ms) / 1000))
  if (s < 60) return `${s}s ago`
  if (s < 3600) return `${Math.floor(s / 60)}m ago`
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`
  return `${Math.floor(s / 86_400)}d ago`
}
