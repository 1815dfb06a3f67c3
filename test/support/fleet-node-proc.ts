/**
 * Runs the real, built `fleet-node` CLI (dist/, built by `npm test`'s pretest) as a child
 * process, on loopback or inside a namespace host, and reads its state through the real
 * `fleet-node status --json`. Tests never reach into a node's memory.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import type { MeshStatus } from '../../node/mesh/index.js'
import type { Host } from './netns-hosts.js'
import type { ChildProcess } from 'node:child_process'

const execFileAsync = promisify(execFile)
/** The bundled agent, as devices run it (lower idle RSS than the module tree); `npm run build` makes it. */
export const FLEET_NODE_CLI = resolve('dist/bundle/fleet-node.mjs')
export const FLEET_NODE_UNBUNDLED_CLI = resolve('dist/node/cli/fleet-node.js')
export const FLEETS_CLI = resolve('dist/node/cli/fleets.js')
const LOG_LINES_MAX = 400
/** Status polls spawn a node process each: start quick, back off so 16 polling hosts do not starve 2 cores. */
const STATUS_POLL_MS = 250
const STATUS_POLL_MS_MAX = 2_000
const STOP_TIMEOUT_MS = 12_000

export interface RunningNode {
  readonly storageDir: string
  readonly child: ChildProcess
  status(): Promise<MeshStatus>
  /** Polls status until `predicate` holds; on timeout the error carries the last status and logs. */
  waitFor(what: string, predicate: (s: MeshStatus) => boolean, timeoutMs: number): Promise<MeshStatus>
  /** SIGTERM and wait; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
  logs(): string
}

export interface StartNodeOptions {
  storageDir: string
  args: string[]
  host?: Host
  env?: NodeJS.ProcessEnv
}

export async function tempDir (prefix: string): Promise<string> {
  return await mkdtemp(join(tmpdir(), `fleetd-${prefix}-`))
}

/** `fleets token create` against a fresh database; returns the printed token. */
export async function createToken (dbPath: string): Promise<string> {
  const { stdout } = await execFileAsync(process.execPath, [FLEETS_CLI, 'token', 'create', '--db', dbPath])
  return stdout.trim()
}

export function startFleetNode (options: StartNodeOptions): RunningNode {
  const args = [FLEET_NODE_CLI, 'join', '--storage-dir', options.storageDir, ...options.args]
  const env = { ...process.env, ...options.env }
  const child = options.host != null
    ? options.host.spawn(process.execPath, args, { env })
    : spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  if (options.host == null) {
    const collect = (chunk: Buffer): void => {
      lines.push(...chunk.toString().split('\n').filter(l => l !== ''))
      if (lines.length > LOG_LINES_MAX) lines.splice(0, lines.length - LOG_LINES_MAX)
    }
    child.stdout?.on('data', collect)
    child.stderr?.on('data', collect)
  }
  const logs = (): string => (options.host != null ? options.host.logs(child.pid) : lines).join('\n')

  const status = async (): Promise<MeshStatus> => {
    const statusArgs = [FLEET_NODE_CLI, 'status', '--json', '--storage-dir', options.storageDir]
    if (options.host != null) {
      const r = await options.host.exec(process.execPath, statusArgs, { timeoutMs: 10_000 })
      if (r.code !== 0) throw new Error(`fleet-node status failed (${r.code}): ${r.stderr.trim()}`)
      return JSON.parse(r.stdout) as MeshStatus
    }
    const { stdout } = await execFileAsync(process.execPath, statusArgs, { timeout: 10_000 })
    return JSON.parse(stdout) as MeshStatus
  }

  return {
    storageDir: options.storageDir,
    child,
    status,
    logs,
    async waitFor (what, predicate, timeoutMs) {
      const deadline = Date.now() + timeoutMs
      let last: MeshStatus | undefined
      let lastError: unknown
      let pollMs = STATUS_POLL_MS
      while (Date.now() < deadline) {
        if (child.exitCode != null) throw new Error(`fleet-node exited with ${child.exitCode} while waiting for ${what}\n${logs()}`)
        try {
          last = await status()
          if (predicate(last)) return last
        } catch (err) {
          lastError = err
        }
        await sleep(pollMs)
        pollMs = Math.min(STATUS_POLL_MS_MAX, Math.round(pollMs * 1.5))
      }
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last status: ${JSON.stringify(last)}; last error: ${String(lastError)}\nlogs:\n${logs()}`)
    },
    async stop (signal = 'SIGTERM') {
      if (child.exitCode != null || child.signalCode != null) return child.exitCode
      const exited = new Promise<number | null>(resolve => { child.once('exit', (code) => { resolve(code) }) })
      // Inside a namespace the child is `ip netns exec`, which execs node: same pid.
      child.kill(signal)
      const timer = sleep(STOP_TIMEOUT_MS).then(() => 'timeout' as const)
      const result = await Promise.race([exited, timer])
      if (result === 'timeout') {
        child.kill('SIGKILL')
        throw new Error(`fleet-node did not stop within ${STOP_TIMEOUT_MS} ms of ${signal}\n${logs()}`)
      }
      return result
    }
  }
}

export interface CliRun { code: number, stdout: string, stderr: string }

/** Runs a CLI (`FLEET_NODE_CLI`, `FLEETS_CLI`) with this Node; a failure is a result with its exit code, not a throw. */
export async function runCli (file: string, args: string[], timeoutMs = 60_000): Promise<CliRun> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [file, ...args], { timeout: timeoutMs })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number, stdout: string, stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}
