/**
 * `fleet-node join --metrics-listen HOST:PORT`: serves the node's Prometheus exposition at
 * GET /metrics (off by default). No token: bind it to loopback, or to an address only the
 * monitoring network reaches. Each scrape samples anew; scrapes at once share one sample.
 */
import { createServer } from 'node:http'
import { PROMETHEUS_CONTENT_TYPE } from './prometheus.js'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export class NodeMetricsServer {
  private server?: Server
  private pending?: Promise<string>

  constructor (private readonly render: () => Promise<string>) {}

  /** Listens; returns the URL of /metrics. */
  async start (host: string, port: number): Promise<string> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics is served here\n')
        return
      }
      this.pending ??= this.render().finally(() => { this.pending = undefined })
      this.pending.then(text => { res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(text) },
        (err: unknown) => { res.writeHead(500, { 'content-type': 'text/plain' }).end(`cannot sample the node: ${(err as Error).message}\n`) })
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => { server.off('error', reject); resolve() })
    })
    this.server = server
    const address = server.address() as AddressInfo
    return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/metrics`
  }

  async stop (): Promise<void> {
    const server = this.server
    this.server = undefined
    if (server == null) return
    server.closeAllConnections()
    await new Promise<void>(resolve => { server.close(() => { resolve() }) })
  }
}
