import { createServer } from 'node:http'
import type { CustomMetricsHandler } from './custom-metrics-handler.js'
import type { Server } from 'node:http'

/** Largest push accepted: a few hundred metrics in Prometheus text. */
const PUSH_BYTES_MAX = 64 * 1024

/**
 * The loopback endpoint apps push custom metrics to: `POST /apps/<app>/metrics` with JSON
 * (`{"queue_depth": 3}`) or Prometheus text (`queue_depth 3`). It listens on 127.0.0.1 only
 * and needs no token, since it can only record bounded numbers (nothing runs, nothing is
 * read back); apps find it in `FLEET_METRICS_URL`.
 */
export class MetricsEndpoint {
  private server: Server | undefined
  private port = 0

  constructor (private readonly handle: CustomMetricsHandler) {}

  get url (): string {
    return `http://127.0.0.1:${this.port}`
  }

  async start (port = 0): Promise<void> {
    if (this.server != null) return
    const server = createServer((req, res) => {
      const match = /^\/apps\/([a-z0-9][a-z0-9._-]{0,62})\/metrics$/.exec(req.url ?? '')
      const reply = (status: number, body: unknown): void => { res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)) }
      if (req.method !== 'POST' || match?.[1] == null) { reply(404, { error: 'POST /apps/<app>/metrics with JSON {"name": number} or Prometheus text' }); return }
      const app = match[1]
      let body = ''
      let tooLarge = false
      req.setEncoding('utf8')
      req.on('data', (chunk: string) => {
        body += chunk
        if (body.length > PUSH_BYTES_MAX) { tooLarge = true; req.destroy() }
      })
      req.on('end', () => {
        if (tooLarge) return
        const result = this.handle(app, body, req.headers['content-type'] ?? 'text/plain')
        if (result instanceof Error) reply(result.httpStatus, { error: result.message, code: result.code })
        else reply(200, result)
      })
      req.on('close', () => { if (tooLarge) reply(413, { error: `a push is at most ${PUSH_BYTES_MAX} bytes` }) })
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => { resolve() })
    })
    const address = server.address()
    this.port = typeof address === 'object' && address != null ? address.port : 0
    this.server = server
  }

  async stop (): Promise<void> {
    const server = this.server
    this.server = undefined
    if (server != null) await new Promise(resolve => { server.close(resolve) })
  }
}
