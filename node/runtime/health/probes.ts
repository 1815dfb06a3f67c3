import { spawn } from 'node:child_process'
import { request } from 'node:http'
import { connect } from 'node:net'
import { EXEC_OUTPUT_BYTES_MAX } from './constants.js'
import type { HealthCheckSpec } from './health-spec.js'

export interface ProbeResult {
  ok: boolean
  /** What was seen: "HTTP 200", "connection refused", "exit 1: <stderr>", "timed out after 2000 ms". */
  detail: string
}

export interface ProbeContext {
  /** Port of this instance when the spec leaves it to the agent. */
  port?: number
  cwd?: string
  env?: Record<string, string>
}

/** Runs one probe of `spec`; never throws: a failure is a result with the reason. */
export async function probe (spec: HealthCheckSpec, context: ProbeContext = {}): Promise<ProbeResult> {
  if (spec.kind === 'exec') return await execProbe(spec.command, spec.timeoutMs, context)
  const port = spec.port ?? context.port
  if (port == null) return { ok: false, detail: `the ${spec.kind} check has no port: set healthCheck.port or declare the app's ports` }
  return spec.kind === 'http'
    ? await httpProbe(port, spec.path, spec.expectStatus, spec.timeoutMs)
    : await tcpProbe(port, spec.timeoutMs)
}

async function httpProbe (port: number, path: string, expectStatus: number | undefined, timeoutMs: number): Promise<ProbeResult> {
  return await new Promise(resolve => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: timeoutMs, agent: false }, res => {
      res.resume()
      const status = res.statusCode ?? 0
      const ok = expectStatus != null ? status === expectStatus : status >= 200 && status < 300
      resolve({ ok, detail: ok ? `HTTP ${status}` : `HTTP ${status} from ${path} (expected ${expectStatus ?? '2xx'})` })
    })
    req.on('timeout', () => { req.destroy(new Error(`timed out after ${timeoutMs} ms`)) })
    req.on('error', err => { resolve({ ok: false, detail: `GET ${path} on port ${port}: ${reason(err)}` }) })
    req.end()
  })
}

async function tcpProbe (port: number, timeoutMs: number): Promise<ProbeResult> {
  return await new Promise(resolve => {
    const socket = connect({ host: '127.0.0.1', port, timeout: timeoutMs })
    socket.on('connect', () => { socket.destroy(); resolve({ ok: true, detail: `port ${port} accepts connections` }) })
    socket.on('timeout', () => { socket.destroy(); resolve({ ok: false, detail: `connect to port ${port} timed out after ${timeoutMs} ms` }) })
    socket.on('error', err => { resolve({ ok: false, detail: `connect to port ${port}: ${reason(err)}` }) })
  })
}

async function execProbe (command: string[], timeoutMs: number, context: ProbeContext): Promise<ProbeResult> {
  const [file, ...args] = command
  if (file == null) return { ok: false, detail: 'the exec check has an empty command' }
  return await new Promise(resolve => {
    const env = { ...process.env, ...context.env, ...(context.port != null ? { PORT: String(context.port) } : {}) }
    const child = spawn(file, args, { cwd: context.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' })
    let output = ''
    const keep = (chunk: Buffer): void => { if (output.length < EXEC_OUTPUT_BYTES_MAX) output += chunk.toString('utf8').slice(0, EXEC_OUTPUT_BYTES_MAX - output.length) }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    child.on('error', err => { resolve({ ok: false, detail: `${file}: ${reason(err)}` }) })
    child.on('close', (code, signal) => {
      const text = output.trim().split('\n').slice(-3).join(' | ')
      if (code === 0) resolve({ ok: true, detail: 'exit 0' })
      else if (signal === 'SIGKILL') resolve({ ok: false, detail: `${file} timed out after ${timeoutMs} ms` })
      else resolve({ ok: false, detail: `${file} exited ${code ?? signal ?? '?'}${text !== '' ? `: ${text}` : ''}` })
    })
  })
}

function reason (err: Error): string {
  const code = (err as NodeJS.ErrnoException).code
  if (code === 'ECONNREFUSED') return 'connection refused'
  if (code === 'ENOENT') return 'command not found'
  return err.message
}
