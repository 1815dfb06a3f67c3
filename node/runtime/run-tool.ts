/**
 * Runs a system tool (tar, dpkg, systemctl…) to completion with bounded output, a timeout and
 * cancellation. It never throws for a non-zero exit: each caller turns the result into its own
 * typed error, quoting the tool's last words.
 */
import { spawn } from 'node:child_process'
import type { AbortOptions } from '../ports/index.js'

export interface ToolRun {
  /** Exit code, or null when killed by a signal (timeout or abort included). */
  code: number | null
  stdout: string
  stderr: string
  /** True when stdout went over `outputBytesMax` and the tool was stopped. */
  truncated: boolean
}

export interface RunToolOptions extends AbortOptions {
  timeoutMs: number
  /** Bytes of stdout (and separately stderr) kept; more stops the tool. */
  outputBytesMax: number
  /** Environment of the tool. @default process.env */
  env?: NodeJS.ProcessEnv
}

/** Spawn failures (no such file, permission denied) reject; everything after resolves. */
export async function runTool (file: string, args: string[], options: RunToolOptions): Promise<ToolRun> {
  options.signal?.throwIfAborted()
  return await new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, signal: options.signal, timeout: options.timeoutMs, killSignal: 'SIGKILL'
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    let outBytes = 0
    let errBytes = 0
    let truncated = false
    child.stdout.on('data', (chunk: Buffer) => {
      if (outBytes + chunk.length > options.outputBytesMax) { truncated = true; child.kill('SIGKILL'); return }
      outBytes += chunk.length
      out.push(chunk)
    })
    // stderr is for quoting in errors: keep its first bytes and let the rest drain.
    child.stderr.on('data', (chunk: Buffer) => {
      if (errBytes >= options.outputBytesMax) return
      errBytes += chunk.length
      err.push(chunk)
    })
    child.once('error', error => {
      if (options.signal?.aborted === true) reject(options.signal.reason as Error)
      else if (child.pid === undefined) reject(error)
    })
    child.once('close', code => {
      if (options.signal?.aborted === true) { reject(options.signal.reason as Error); return }
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), truncated })
    })
  })
}

/** The last `charsMax` characters of a tool's output, on one line, for an error message. */
export function quoteOutput (text: string, charsMax: number): string {
  const flat = text.trim().replace(/\s*\n\s*/g, ' | ')
  return flat.length > charsMax ? `…${flat.slice(-charsMax)}` : flat
}
