/**
 * A small fake of the Docker Engine API on a unix socket, for tests on machines without a
 * Docker daemon (like the development machines: the docker CLI may be installed, but no
 * dockerd runs and /var/run/docker.sock does not exist). It implements just the calls the
 * runtime's client makes, with the status codes the real Engine documents for them.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'

export interface FakeContainer {
  id: string
  name: string
  body: Record<string, unknown>
  running: boolean
  exitCode: number
  health?: string
}

export interface FakeEngine {
  socketPath: string
  containers: FakeContainer[]
  /** Byte counts of every image tar received by POST /images/load. */
  loadedBytes: number[]
  /** What POST /images/load reports as loaded; an empty string makes it answer with an error line. */
  imageName: string
  close(): Promise<void>
}

export async function startFakeEngine (socketPath: string): Promise<FakeEngine> {
  const engine: FakeEngine = { socketPath, containers: [], loadedBytes: [], imageName: 'web:1.0.0', close: async () => {} }
  const server: Server = createServer((req, res) => { handle(engine, req, res).catch(err => { send(res, 500, { message: String(err) }) }) })
  await new Promise<void>(resolve => server.listen(socketPath, resolve))
  engine.close = async () => { await new Promise<void>(resolve => server.close(() => { resolve() })) }
  return engine
}

function send (res: ServerResponse, status: number, body?: unknown): void {
  res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' })
  res.end(body === undefined ? undefined : JSON.stringify(body))
}

async function readBody (req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

async function handle (engine: FakeEngine, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://docker')
  const body = await readBody(req)
  if (req.method === 'GET' && url.pathname === '/version') {
    send(res, 200, { Version: '27.0.0-fake', ApiVersion: '1.47', Os: 'linux', Arch: 'amd64' }); return
  }
  if (req.method === 'POST' && url.pathname === '/images/load') {
    engine.loadedBytes.push(body.length)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(engine.imageName === ''
      ? JSON.stringify({ errorDetail: { message: 'invalid tar header' }, error: 'invalid tar header' }) + '\n'
      : JSON.stringify({ stream: `Loaded image: ${engine.imageName}\n` }) + '\n')
    return
  }
  if (req.method === 'POST' && url.pathname === '/containers/create') {
    const name = url.searchParams.get('name') ?? ''
    if (engine.containers.some(c => c.name === name)) { send(res, 409, { message: `Conflict. The container name "/${name}" is already in use` }); return }
    const id = (engine.containers.length + 1).toString(16).padStart(64, 'c')
    engine.containers.push({ id, name, body: JSON.parse(body.toString('utf8')) as Record<string, unknown>, running: false, exitCode: 0 })
    send(res, 201, { Id: id, Warnings: [] }); return
  }
  const match = /^\/containers\/([^/]+)(\/(start|stop|json))?$/.exec(url.pathname)
  const container = engine.containers.find(c => c.id === match?.[1] || c.name === match?.[1])
  if (match === null) { send(res, 404, { message: 'page not found' }); return }
  if (container === undefined) { send(res, 404, { message: `No such container: ${match[1]}` }); return }
  const action = match[3]
  if (req.method === 'POST' && action === 'start') {
    if (container.running) { send(res, 304); return }
    container.running = true; send(res, 204); return
  }
  if (req.method === 'POST' && action === 'stop') {
    if (!container.running) { send(res, 304); return }
    container.running = false; send(res, 204); return
  }
  if (req.method === 'GET' && action === 'json') {
    send(res, 200, {
      Id: container.id,
      RestartCount: 0,
      State: { Status: container.running ? 'running' : 'exited', Running: container.running, ExitCode: container.exitCode, ...(container.health === undefined ? {} : { Health: { Status: container.health } }) }
    })
    return
  }
  if (req.method === 'DELETE' && action === undefined) {
    if (container.running && url.searchParams.get('force') !== '1') { send(res, 409, { message: 'You cannot remove a running container. Stop the container before attempting removal or force remove' }); return }
    engine.containers.splice(engine.containers.indexOf(container), 1)
    send(res, 204); return
  }
  send(res, 404, { message: 'page not found' })
}
