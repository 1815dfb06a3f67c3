/**
 * Output capture for processes spawned inside test hosts: the last LOG_LINES_MAX lines per
 * process (so a chatty process cannot evict a quiet one's lines), optionally teed to a file under
 * test-output/ for post-mortems, plus small waits that tests need around spawned processes.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { LOG_LINE_CHARS_MAX, LOG_LINES_MAX, LOGGED_PROCESSES_MAX } from './netns-constants.js'

/** Tee files go here (git-ignored), relative to the directory the tests run from. */
export const TEST_OUTPUT_DIR = 'test-output'

interface Entry { seq: number, pid: number, line: string }
interface ProcessLog { entries: Entry[], exited: boolean }

export class ProcessLogs {
  private readonly byPid = new Map<number, ProcessLog>()
  private seq = 0

  /** Starts capturing a child's stdout and stderr; `teePath` is relative to TEST_OUTPUT_DIR. */
  attach (child: ChildProcess, teePath?: string): void {
    const pid = child.pid
    if (pid === undefined) return // spawn failed; the child emits 'error' to its owner
    this.evictIfFull()
    const log: ProcessLog = { entries: [], exited: false }
    this.byPid.set(pid, log)
    let tee: WriteStream | undefined
    if (teePath !== undefined) {
      const path = resolve(TEST_OUTPUT_DIR, teePath)
      mkdirSync(dirname(path), { recursive: true })
      tee = createWriteStream(path, { flags: 'a' })
    }
    for (const [stream, mark] of [[child.stdout, ''], [child.stderr, '!']] as const) {
      if (stream === null) continue
      let partial = ''
      stream.on('data', (chunk: Buffer) => {
        tee?.write(chunk)
        const lines = (partial + chunk.toString('utf8')).split('\n')
        partial = (lines.pop() ?? '').slice(0, LOG_LINE_CHARS_MAX)
        for (const line of lines) this.add(log, pid, mark + line)
      })
      stream.on('end', () => { if (partial !== '') this.add(log, pid, mark + partial) })
    }
    child.once('close', () => { log.exited = true; tee?.end() })
  }

  /**
   * With a pid: that process's lines in order, stderr lines prefixed with '!'. Without: every
   * kept line of every process in arrival order, each prefixed with `[pid] `.
   */
  lines (pid?: number): string[] {
    if (pid !== undefined) return (this.byPid.get(pid)?.entries ?? []).map((e) => e.line)
    return [...this.byPid.values()].flatMap((l) => l.entries)
      .sort((a, b) => a.seq - b.seq)
      .map((e) => `[${e.pid}] ${e.line}`)
  }

  private add (log: ProcessLog, pid: number, line: string): void {
    log.entries.push({ seq: this.seq++, pid, line: line.slice(0, LOG_LINE_CHARS_MAX) })
    if (log.entries.length > LOG_LINES_MAX) log.entries.shift()
  }

  private evictIfFull (): void {
    if (this.byPid.size < LOGGED_PROCESSES_MAX) return
    // Maps iterate in insertion order: the first exited one is the oldest finished process.
    for (const [pid, log] of this.byPid) {
      if (log.exited) { this.byPid.delete(pid); return }
    }
    const oldest = this.byPid.keys().next()
    if (oldest.done !== true) this.byPid.delete(oldest.value)
  }
}

/** Default tee file for a process: `netns/<namespace>-<pid>.log`. */
export function defaultTeePath (ns: string, pid: number | undefined): string {
  return join('netns', `${ns}-${pid ?? 'nopid'}.log`)
}

/**
 * Resolves with the first stdout line printed from now on that matches `pattern` (earlier lines
 * are in host.logs()); rejects if the process exits first or after timeoutMs.
 */
export async function waitForLine (child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  if (child.exitCode !== null || child.signalCode !== null) throw new Error(`process ${child.pid} has already exited`)
  return await new Promise<string>((resolve, reject) => {
    let partial = ''
    const onData = (chunk: Buffer): void => {
      const lines = (partial + chunk.toString('utf8')).split('\n')
      partial = (lines.pop() ?? '').slice(0, LOG_LINE_CHARS_MAX)
      const hit = lines.find((line) => pattern.test(line))
      if (hit !== undefined) finish(() => resolve(hit))
    }
    const onExit = (code: number | null): void => finish(() => reject(new Error(`process ${child.pid} exited (${code}) before printing ${pattern}`)))
    const timer = setTimeout(() => finish(() => reject(new Error(`no line matching ${pattern} from ${child.pid} within ${timeoutMs} ms`))), timeoutMs)
    const finish = (settle: () => void): void => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.off('exit', onExit)
      settle()
    }
    child.stdout?.on('data', onData)
    child.once('exit', onExit)
  })
}

/** Resolves with the exit code (null if killed by a signal); rejects after timeoutMs. */
export async function waitForExit (child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
  return await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`process ${child.pid} still running after ${timeoutMs} ms`)), timeoutMs)
    child.once('exit', (code) => { clearTimeout(timer); resolve(code) })
  })
}
