import { connect, createServer } from 'node:net'
import type { Server, Socket } from 'node:net'

export interface PortProxyInit {
  /** The app's public port. */
  port: number
  /** @default '0.0.0.0' — the app's clients are on the LAN; tests pass 127.0.0.1. */
  host?: string
}

/**
 * The app's public port, owned by the agent, forwarding each TCP connection to the instance
 * that is live. A blue-green switch points new connections at the new instance while open
 * connections finish on the old one, so clients see no refused connection: the reason the
 * agent, not the app, holds the port.
 */
export class PortProxy {
  private server: Server | undefined
  private upstreamPort: number | undefined
  private readonly sockets = new Set<Socket>()
  /** Open connections per upstream port, so a switch can wait for the old instance to drain. */
  private readonly perUpstream = new Map<number, number>()
  private readonly drainWaiters = new Set<() => void>()

  constructor (private readonly init: PortProxyInit) {}

  get upstream (): number | undefined {
    return this.upstreamPort
  }

  get openConnections (): number {
    return this.sockets.size
  }

  async start (): Promise<void> {
    if (this.server != null) return
    const server = createServer(client => { this.forward(client) })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.init.port, this.init.host ?? '0.0.0.0', () => { server.off('error', reject); resolve() })
    })
    this.server = server
  }

  /** New connections go to `port` from now on; connections already open stay where they are. */
  setUpstream (port: number): void {
    this.upstreamPort = port
  }

  /** Resolves once no connection to `port` is open, or after `timeoutMs`; true when drained. */
  async drain (port: number, timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined
    const drained = await Promise.race([
      new Promise<true>(resolve => {
        const check = (): void => { if ((this.perUpstream.get(port) ?? 0) === 0) { this.drainWaiters.delete(check); resolve(true) } }
        this.drainWaiters.add(check)
        check()
      }),
      new Promise<false>(resolve => { timer = setTimeout(() => { resolve(false) }, timeoutMs) })
    ])
    clearTimeout(timer)
    return drained
  }

  async stop (): Promise<void> {
    const server = this.server
    this.server = undefined
    if (server == null) return
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>(resolve => { server.close(() => { resolve() }) })
  }

  private forward (client: Socket): void {
    const port = this.upstreamPort
    if (port == null) { client.destroy(); return }
    this.sockets.add(client)
    const upstream = connect({ host: '127.0.0.1', port })
    this.sockets.add(upstream)
    this.perUpstream.set(port, (this.perUpstream.get(port) ?? 0) + 1)
    client.pipe(upstream)
    upstream.pipe(client)
    let closed = false
    const close = (): void => {
      client.destroy()
      upstream.destroy()
      this.sockets.delete(client)
      this.sockets.delete(upstream)
      if (closed) return
      closed = true
      this.perUpstream.set(port, (this.perUpstream.get(port) ?? 1) - 1)
      for (const check of [...this.drainWaiters]) check()
    }
    client.on('error', close).on('close', close)
    upstream.on('error', close).on('close', close)
  }
}
