import { randomBytes, timingSafeEqual } from 'node:crypto'
import { rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { RpcListenError } from './errors.js'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export const RPC_FILE = 'rpc.json'

/** What `fleet-node status` needs to find and authenticate to the running node. */
export interface RpcEndpointFile { pid: number, port: number, secret: string }

/**
 * Routes keyed `METHOD /path`. A handler gets the parsed JSON body (POST) and returns a value
 * (sent as JSON) or an async iterable (sent as NDJSON, one line per item, for progress).
 */
export type RpcHandler = (body: unknown, signal: AbortSignal) => unknown
export type RpcRoutes = Record<string, RpcHandler>

/** Request bodies are small commands; anything larger is refused unread. */
const BODY_BYTES_MAX = 64 * 1024

/**
 * The node's local status API: loopback only, and even there it requires the secret from
 * `rpc.json` (mode 0600 in the storage dir), so another local user cannot read fleet state.
 */
export class RpcServer {
  private server?: Server
  private readonly secret = randomBytes(24).toString('base64url')

  constructor (private readonly storageDir: string, private readonly routes: RpcRoutes) {}

  async start (port: number): Promise<number> {
    const server = createServer((req, res) => { this.handle(req, res) })
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(new RpcListenError(err.code === 'EADDRINUSE'
          ? `status API port ${port} on 127.0.0.1 is in use; pass another --rpc-port (0 picks a free one)`
          : `cannot open the status API on 127.0.0.1:${port}: ${err.message}`, { cause: err }))
      })
      server.listen(port, '127.0.0.1', () => { resolve() })
    })
    this.server = server
    const actual = (server.address() as AddressInfo).port
    const file: RpcEndpointFile = { pid: process.pid, port: actual, secret: this.secret }
    await writeFile(join(this.storageDir, RPC_FILE), JSON.stringify(file), { mode: 0o600 })
    return actual
  }

  async stop (): Promise<void> {
    const server = this.server
    if (server == null) return
    this.server = undefined
    await rm(join(this.storageDir, RPC_FILE), { force: true })
    server.closeAllConnections()
    await new Promise<void>(resolve => { server.close(() => { resolve() }) })
  }

  private async run (route: RpcHandler, req: IncomingMessage, res: ServerResponse, send: (status: number, body: unknown) => void): Promise<void> {
    const controller = new AbortController()
    res.on('close', () => { controller.abort() })
    try {
      const body = req.method === 'POST' ? await readJson(req) : undefined
      const result = await route(body, controller.signal)
      if (isAsyncIterable(result)) {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' })
        for await (const item of result) res.write(JSON.stringify(item) + '\n')
        res.end()
        return
      }
      send(200, result)
    } catch (err) {
      const e = err as Error & { code?: string, status?: number }
      const status = e.status ?? (e.code === 'FLEET_ERR_BAD_REQUEST' ? 400 : 500)
      if (res.headersSent) {
        res.end(JSON.stringify({ error: e.code ?? 'FLEET_ERR_INTERNAL', message: e.message }) + '\n')
      } else {
        send(status, { error: e.code ?? 'FLEET_ERR_INTERNAL', message: e.message })
      }
    }
  }

  private handle (req: IncomingMessage, res: ServerResponse): void {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    const given = Buffer.from(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '')
    const expected = Buffer.from(this.secret)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      send(401, { error: 'FLEET_ERR_UNAUTHORIZED', message: `missing or wrong bearer secret; it is in ${join(this.storageDir, RPC_FILE)} (readable by the node's user only)` })
      return
    }
    const route = this.routes[`${req.method ?? ''} ${req.url ?? ''}`]
    if (route == null) {
      send(404, { error: 'FLEET_ERR_NOT_FOUND', message: `no route ${req.method ?? ''} ${req.url ?? ''}; known: ${Object.keys(this.routes).join(', ')}` })
      return
    }
    void this.run(route, req, res, send)
  }
}

function isAsyncIterable (value: unknown): value is AsyncIterable<unknown> {
  return value != null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
}

async function readJson (req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > BODY_BYTES_MAX) throw Object.assign(new Error(`request body over ${BODY_BYTES_MAX} bytes`), { code: 'FLEET_ERR_BAD_REQUEST' })
    chunks.push(chunk)
  }
  try {
    return chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw Object.assign(new Error('request body is not JSON'), { code: 'FLEET_ERR_BAD_REQUEST' })
  }
}
