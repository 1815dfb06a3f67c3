import { spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { ADOPTED_POLL_MS, EXIT_HISTORY_MAX, STOP_TIMEOUT_MS_DEFAULT } from './constants.js'
import { processStartTicks } from './proc-stat.js'
import { decideRestart } from './restart-policy.js'
import type { ExitRecord, RestartPolicy } from './restart-policy.js'
import type { Logger } from '../../logging/index.js'
import type { Clock } from '../../ports/index.js'

export interface ProcessSpec {
  /** Names the process in logs and status, e.g. "web@2.0.0". */
  name: string
  /** argv; the first element is the executable. */
  command: string[]
  cwd: string
  env: Record<string, string>
  /** stdout and stderr are appended here by the process itself, so they outlive the agent. */
  logPath: string
  restartPolicy: RestartPolicy
  /** @default STOP_TIMEOUT_MS_DEFAULT */
  stopTimeoutMs?: number
  /** First restart delay; doubles per short run. @default RESTART_BACKOFF_MS_BASE */
  restartBackoffMsBase?: number
}

/** Identifies one OS process for good: pid plus start time (proc-stat.ts). */
export interface ProcessHandle { pid: number, startTicks: number }

export type ProcessState = 'starting' | 'running' | 'backoff' | 'crash-loop' | 'stopped' | 'exited' | 'failed'

export interface ProcessStatus {
  state: ProcessState
  pid?: number
  restarts: number
  crashLoopCount: number
  lastExit?: ExitRecord
  lastError?: string
  startedMs?: number
}

export interface SupervisorComponents {
  clock: Clock
  logger: Logger
  /** Called with each new pid, before it counts as running (e.g. to put it in a cgroup). */
  onSpawn?(pid: number): Promise<void>
}

/**
 * One app process under supervision: started detached in its own process group with its
 * output going straight to a log file (so a `kill -9` of the agent neither kills it nor breaks
 * its pipes), restarted by its policy with capped backoff, stopped with SIGTERM then SIGKILL.
 * A process started by an earlier agent can be adopted by its handle and is then watched by
 * polling, since only a parent sees exit codes.
 */
export class SupervisedProcess {
  private current: ProcessHandle | undefined
  private readonly exits: ExitRecord[] = []
  private stateValue: ProcessState = 'stopped'
  private restarts = 0
  private crashLoopCount = 0
  private lastError: string | undefined
  private startedMs: number | undefined
  private stopping = false
  private stopped: Promise<void> | undefined
  private readonly exitWaiters = new Set<() => void>()
  private readonly listeners = new Set<(status: ProcessStatus) => void>()

  constructor (private readonly c: SupervisorComponents, readonly spec: ProcessSpec) {}

  get handle (): ProcessHandle | undefined {
    return this.current
  }

  status (): ProcessStatus {
    return {
      state: this.stateValue, restarts: this.restarts, crashLoopCount: this.crashLoopCount,
      ...(this.current != null ? { pid: this.current.pid } : {}),
      ...(this.exits.at(-1) != null ? { lastExit: this.exits.at(-1) } : {}),
      ...(this.lastError != null ? { lastError: this.lastError } : {}),
      ...(this.startedMs != null ? { startedMs: this.startedMs } : {})
    }
  }

  onChange (listener: (status: ProcessStatus) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** Starts the process; resolves with its handle once it runs, rejects if it cannot be spawned. */
  async start (): Promise<ProcessHandle> {
    this.stopping = false
    return await this.spawnOnce()
  }

  /** Takes over a process an earlier agent started; false when it is gone (or is another process). */
  async adopt (handle: ProcessHandle): Promise<boolean> {
    if (await processStartTicks(handle.pid) !== handle.startTicks) return false
    this.stopping = false
    this.current = handle
    this.startedMs = this.c.clock.nowMs()
    this.set('running')
    void this.watchAdopted(handle)
    return true
  }

  /**
   * Stops supervising without stopping the process (the agent is shutting down; the next agent
   * adopts it): no more restarts, no more polling.
   */
  release (): void {
    this.stopping = true
    this.current = undefined
  }

  /** SIGTERM to the process group, SIGKILL after the stop timeout; resolves once it is gone. */
  async stop (): Promise<void> {
    this.stopping = true
    const handle = this.current
    if (handle == null) { this.set('stopped'); return }
    this.stopped ??= this.terminate(handle).finally(() => { this.stopped = undefined })
    await this.stopped
  }

  private async terminate (handle: ProcessHandle): Promise<void> {
    const gone = new Promise<void>(resolve => { this.exitWaiters.add(resolve) })
    signalGroup(handle.pid, 'SIGTERM')
    const timeoutMs = this.spec.stopTimeoutMs ?? STOP_TIMEOUT_MS_DEFAULT
    // The grace timer goes with the process: left running, it would hold the event loop (and a stopping node) open.
    const grace = new AbortController()
    const killed = await Promise.race([
      gone.then(() => false),
      this.c.clock.sleep(timeoutMs, { signal: grace.signal }).then(() => true, () => false)
    ]).finally(() => { grace.abort() })
    if (killed) {
      this.c.logger.warn('%s did not stop within %d ms of SIGTERM; sending SIGKILL', this.spec.name, timeoutMs)
      signalGroup(handle.pid, 'SIGKILL')
      await gone
    }
    this.set('stopped')
  }

  private async spawnOnce (): Promise<ProcessHandle> {
    const [file, ...args] = this.spec.command
    if (file == null) throw new Error(`${this.spec.name} has an empty command`)
    this.set('starting')
    mkdirSync(dirname(this.spec.logPath), { recursive: true })
    const log = openSync(this.spec.logPath, 'a', 0o640)
    let child
    try {
      child = spawn(file, args, { cwd: this.spec.cwd, env: this.spec.env, detached: true, stdio: ['ignore', log, log] })
    } finally {
      closeSync(log)
    }
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => { resolve(child.pid ?? 0) })
      child.once('error', reject)
    }).catch((err: Error) => {
      this.lastError = `cannot start ${file}: ${err.message}`
      this.set('failed')
      throw new Error(this.lastError, { cause: err })
    })
    child.unref()
    const startedMs = this.c.clock.nowMs()
    // The handle is current from the start, so an exit during the awaits below is seen as this
    // process's exit (and not followed by marking a dead process running).
    const handle = { pid, startTicks: 0 }
    this.current = handle
    this.startedMs = startedMs
    this.lastError = undefined
    child.once('exit', (code, signal) => { void this.onExit(handle, { atMs: this.c.clock.nowMs(), ranMs: this.c.clock.nowMs() - startedMs, code, signal }) })
    await this.c.onSpawn?.(pid).catch((err: Error) => { this.c.logger.warn('%s: %s', this.spec.name, err.message) })
    handle.startTicks = await processStartTicks(pid) ?? 0
    if (this.current === handle) this.set('running')
    return handle
  }

  private async watchAdopted (handle: ProcessHandle): Promise<void> {
    const startedMs = this.c.clock.nowMs()
    while (this.current === handle && await processStartTicks(handle.pid) === handle.startTicks) await this.c.clock.sleep(ADOPTED_POLL_MS)
    if (this.current !== handle) return
    // Not our child: the exit code is unknown, so it counts as a failure.
    await this.onExit(handle, { atMs: this.c.clock.nowMs(), ranMs: this.c.clock.nowMs() - startedMs, code: null, signal: null })
  }

  private async onExit (handle: ProcessHandle, exit: ExitRecord): Promise<void> {
    if (this.current !== handle) return
    this.current = undefined
    this.exits.push(exit)
    if (this.exits.length > EXIT_HISTORY_MAX) this.exits.shift()
    for (const wake of [...this.exitWaiters]) wake()
    this.exitWaiters.clear()
    if (this.stopping) return
    const decision = decideRestart(this.spec.restartPolicy, this.exits, this.c.clock.nowMs(), this.spec.restartBackoffMsBase)
    this.crashLoopCount = decision.crashLoopCount
    this.c.logger.info('%s exited (code %s, signal %s) after %d ms', this.spec.name, String(exit.code), String(exit.signal), exit.ranMs)
    if (!decision.restart) { this.set(exit.code === 0 ? 'exited' : 'failed'); return }
    this.set(decision.crashLoopCount > 0 ? 'crash-loop' : 'backoff')
    await this.c.clock.sleep(decision.delayMs)
    if (this.stopping) return
    this.restarts++
    await this.spawnOnce().catch(() => {})
  }

  private set (state: ProcessState): void {
    this.stateValue = state
    const status = this.status()
    for (const listener of this.listeners) listener(status)
  }
}

function signalGroup (pid: number, signal: NodeJS.Signals): void {
  try { process.kill(-pid, signal) } catch {
    try { process.kill(pid, signal) } catch {}
  }
}
