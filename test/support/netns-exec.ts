/**
 * Bounded command execution for the netns test hosts: every command has a timeout and a cap on
 * captured output, and failures carry the command line and stderr so a test log says what broke.
 */
import { spawn, execFileSync } from 'node:child_process'
import { EXEC_OUTPUT_BYTES_MAX, IP_TIMEOUT_MS } from './netns-constants.js'

export interface RunOptions {
  /** Kill the command (SIGKILL) after this long. */
  timeoutMs: number
  /** Written to stdin, which is then closed (`ip -batch -` reads its commands from there). */
  input?: string
  /** Environment of the command. @default process.env */
  env?: NodeJS.ProcessEnv
  /** Bytes kept of each of stdout and stderr. @default EXEC_OUTPUT_BYTES_MAX */
  outputBytesMax?: number
}

export interface RunResult {
  /** Exit code, or null when killed by a signal (including our own timeout). */
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  timedOut: boolean
}

/** An operating error of the netns helper (a command failed); `code` is stable, `message` is not. */
export class NetnsCommandError extends Error {
  override name = 'NetnsCommandError'
  readonly code = 'FLEET_ERR_NETNS_COMMAND'
  constructor (readonly argv: readonly string[], readonly result: RunResult) {
    const why = result.timedOut ? 'timed out' : `exited with ${result.code ?? result.signal}`
    super(`\`${argv.join(' ')}\` ${why}: ${result.stderr.trim() || result.stdout.trim() || '(no output)'}`)
  }
}

/**
 * Runs a command to completion and never throws for a non-zero exit (the caller decides);
 * it rejects only when the command cannot be started at all (e.g. ENOENT).
 */
export async function run (command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const bytesMax = options.outputBytesMax ?? EXEC_OUTPUT_BYTES_MAX
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']
  })
  const out = boundedCollector(bytesMax)
  const err = boundedCollector(bytesMax)
  child.stdout?.on('data', out.push)
  child.stderr?.on('data', err.push)
  child.stdin?.on('error', () => { /* the command exited before reading all input: its exit code tells */ })
  child.stdin?.end(options.input)
  return await new Promise<RunResult>((resolve, reject) => {
    let timedOut = false
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL') }, options.timeoutMs)
    child.once('error', (error) => { clearTimeout(timer); reject(error) })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout: out.text(), stderr: err.text(), timedOut })
    })
  })
}

/** Runs `ip ARGS` (or `tc ARGS`) and throws NetnsCommandError unless it exits 0. */
export async function ip (args: readonly string[], input?: string, tool: 'ip' | 'tc' = 'ip'): Promise<string> {
  const result = await run(tool, args, { timeoutMs: IP_TIMEOUT_MS, ...(input === undefined ? {} : { input }) })
  if (result.code !== 0) throw new NetnsCommandError([tool, ...args], result)
  return result.stdout
}

/**
 * Synchronous `ip` for the process 'exit' hook, where nothing asynchronous runs any more.
 * Errors are swallowed: the hook is best effort and must not mask the real exit reason.
 */
export function ipSync (args: readonly string[]): string {
  try {
    return execFileSync('ip', args, { timeout: IP_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' })
  } catch {
    return ''
  }
}

function boundedCollector (bytesMax: number): { push: (chunk: Buffer) => void, text: () => string } {
  const chunks: Buffer[] = []
  let bytes = 0
  return {
    push: (chunk) => {
      if (bytes >= bytesMax) return
      const kept = chunk.subarray(0, bytesMax - bytes)
      chunks.push(kept)
      bytes += kept.length
    },
    text: () => Buffer.concat(chunks).toString('utf8')
  }
}
