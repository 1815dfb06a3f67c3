import { createServer } from 'node:net'
import { isAbsolute, join } from 'node:path'
import { HealthMonitor } from '../runtime/health/index.js'
import { createLimitGroup, parseCpu, parseMemory } from '../runtime/limits/index.js'
import { processStartTicks, SupervisedProcess } from '../runtime/process/index.js'
import { PortProxy } from '../runtime/proxy/index.js'
import { logRotator } from '../runtime/logs/index.js'
import type { LogRotator } from '../runtime/logs/index.js'
import { StepFailedError } from './errors.js'
import { findInstanceProcess, INSTANCE_ENV } from './instance-finder.js'
import type { AppSpec } from './app-spec.js'
import type { InstalledRecord, InstanceRecord, ObservedApp } from './agent-state.js'
import type { Logger } from '../logging/index.js'
import type { Clock } from '../ports/index.js'
import type { Enforcement, LimitGroup, LimitSupport } from '../runtime/limits/index.js'
import type { ProcessHandle, ProcessStatus } from '../runtime/process/index.js'

export interface InstancesComponents {
  clock: Clock
  logger: Logger
  /** Where per-app log files go. */
  logsDir: string
  /** What limits this device can enforce; undefined = do not apply limits. */
  limitSupport?: LimitSupport
  /** Environment every app gets (e.g. FLEET_METRICS_URL). */
  env?: Record<string, string>
}

interface Instance {
  process: SupervisedProcess
  health?: HealthMonitor
  group?: LimitGroup
  ports: Record<string, number>
}

/** A settle time for apps without a health check: still running after this long counts as started. */
const SETTLE_MS = 1_500
/** Per-app log size before rotation, rotated copies kept, and how often the size is checked: ~40 MiB per app at most. */
const LOG_BYTES_MAX = 10 * 1024 * 1024
const LOG_FILES_KEPT = 3
const LOG_CHECK_INTERVAL_MS = 5_000

/**
 * The processes, health monitors, limit groups and public-port proxies of every app version
 * the agent runs (the executor's hands). Holds no state that matters after a crash: what must
 * survive (pids, ports) is in the agent state, and `adopt` rebuilds the rest.
 */
export class AppInstances {
  private readonly instances = new Map<string, Instance>()
  private readonly proxies = new Map<string, { version: string, proxies: PortProxy[] }>()
  private readonly rotators = new Map<string, LogRotator>()

  constructor (private readonly c: InstancesComponents) {}

  observe (app: string): ObservedApp {
    const observed: ObservedApp = { running: {}, health: {} }
    for (const [key, instance] of this.instances) {
      const [name, version] = splitKey(key)
      if (name !== app) continue
      const state = instance.process.status().state
      observed.running[version] = state !== 'stopped' && state !== 'exited' && state !== 'failed'
      observed.health[version] = instance.health?.status ?? 'none'
    }
    // The ports forward to a version only if they reach its current instance (a restarted
    // instance has new ports, and must be switched to again).
    const entry = this.proxies.get(app)
    const live = entry != null ? this.instances.get(key(app, entry.version)) : undefined
    if (entry != null && live != null && entry.proxies.every((proxy, i) => proxy.upstream === Object.values(live.ports)[i])) observed.proxied = entry.version
    return observed
  }

  status (app: string, version: string): (ProcessStatus & { health: string, healthDetail: string, enforcement?: Enforcement }) | undefined {
    const instance = this.instances.get(key(app, version))
    if (instance == null) return undefined
    return { ...instance.process.status(), health: instance.health?.status ?? 'none', healthDetail: instance.health?.lastDetail ?? '', ...(instance.group != null ? { enforcement: instance.group.enforcement } : {}) }
  }

  /** Ports for a new instance: one free loopback port per public port of the app. */
  async allocatePorts (spec: AppSpec): Promise<Record<string, number>> {
    const ports: Record<string, number> = {}
    for (const p of spec.ports) ports[p.env] = await freePort()
    return ports
  }

  /** Starts (or, with `record.handle`, adopts) a process of `version`; resolves with its handle. */
  async start (spec: AppSpec, version: string, installed: InstalledRecord, record: InstanceRecord): Promise<ProcessHandle> {
    const k = key(spec.name, version)
    const existing = this.instances.get(k)
    if (existing?.process.handle != null) return existing.process.handle
    // A process that gave up (restart policy `never`, or it could not start) is replaced whole.
    existing?.health?.stop()
    const group = await this.limitGroup(spec, version)
    const process = new SupervisedProcess({
      clock: this.c.clock, logger: this.c.logger, ...(group != null ? { onSpawn: async (pid: number) => { await group.addProcess(pid) } } : {})
    }, {
      name: k, command: commandOf(spec, installed), cwd: installed.dir, env: { ...this.c.env, ...envOf(spec, version, installed, record) },
      logPath: this.logPath(spec.name), restartPolicy: spec.restartPolicy, stopTimeoutMs: spec.stopTimeoutMs
    })
    this.rotate(spec.name)
    const health = spec.healthCheck != null
      ? new HealthMonitor({ clock: this.c.clock }, spec.healthCheck, { cwd: installed.dir, ...firstPort(record) })
      : undefined
    this.instances.set(k, { process, ...(health != null ? { health } : {}), ...(group != null ? { group } : {}), ports: record.ports })
    const orphan = record.handle ?? await findInstanceProcess(record.id)
    const adopted = orphan != null && await process.adopt(orphan)
    let handle: ProcessHandle
    try {
      handle = adopted && process.handle != null ? process.handle : await process.start()
    } catch (err) {
      this.instances.delete(k)
      throw new StepFailedError(`${k} did not start: ${(err as Error).message}`, { cause: err })
    }
    if (adopted) this.c.logger.info('adopted %s (pid %d) from before the agent restarted', k, handle.pid)
    health?.start()
    return handle
  }

  /**
   * After an agent restart: takes over the process of a recorded instance if it still runs
   * (by its handle, or by its id when the handle never reached the state file), so the planner
   * sees it and decides whether it stays. False when it is gone.
   */
  async adopt (spec: AppSpec, version: string, installed: InstalledRecord, record: InstanceRecord): Promise<boolean> {
    const orphan = record.handle ?? await findInstanceProcess(record.id)
    if (orphan == null || await processStartTicks(orphan.pid) !== orphan.startTicks) return false
    await this.start(spec, version, installed, { ...record, handle: orphan })
    return true
  }

  /** Resolves once the version is healthy (or, without a check, still running after a settle time). */
  async waitHealthy (app: string, version: string, timeoutMs: number): Promise<void> {
    const instance = this.instances.get(key(app, version))
    if (instance == null) throw new StepFailedError(`${key(app, version)} is not running`)
    if (instance.health != null) {
      // A process that crash-loops or gave up fails the wait at once, with that as the reason.
      let unsubscribe = (): void => {}
      const crashed = new Promise<never>((_resolve, reject) => {
        const check = (status: ProcessStatus): void => {
          if (status.crashLoopCount > 0) reject(new StepFailedError(`crash_loop: ${status.crashLoopCount} exits within a minute (last exit code ${String(status.lastExit?.code ?? '?')}); see fleet-node app logs ${app}`))
          else if (status.state === 'failed' || status.state === 'exited') reject(new StepFailedError(`the process ${status.state === 'failed' ? 'failed' : 'exited'} (exit code ${String(status.lastExit?.code ?? '?')}${status.lastError != null ? `, ${status.lastError}` : ''}); see fleet-node app logs ${app}`))
        }
        unsubscribe = instance.process.onChange(check)
        check(instance.process.status())
      })
      try {
        await Promise.race([instance.health.waitUntilHealthy(timeoutMs), crashed])
      } finally {
        unsubscribe()
        crashed.catch(() => {})
      }
      return
    }
    await this.c.clock.sleep(Math.min(SETTLE_MS, timeoutMs))
    const status = instance.process.status()
    if (status.state !== 'running' || status.restarts > 0) {
      throw new StepFailedError(`${key(app, version)} exited during its first ${SETTLE_MS} ms (last exit code ${String(status.lastExit?.code ?? '?')}); see fleet-node app logs ${app}`)
    }
  }

  /** Points the app's public ports at `version` (starting the proxies on first use). */
  async switchPorts (spec: AppSpec, version: string, ports: Record<string, number>): Promise<void> {
    if (spec.ports.length === 0) return
    let entry = this.proxies.get(spec.name)
    if (entry == null) {
      const proxies = spec.ports.map(p => new PortProxy({ port: p.port, host: p.host }))
      for (const proxy of proxies) await proxy.start()
      entry = { version, proxies }
      this.proxies.set(spec.name, entry)
    }
    spec.ports.forEach((p, i) => {
      const upstream = ports[p.env]
      if (upstream != null) entry.proxies[i]?.setUpstream(upstream)
    })
    entry.version = version
  }

  async stop (app: string, version: string, drainTimeoutMs = 0): Promise<void> {
    const k = key(app, version)
    const instance = this.instances.get(k)
    if (instance == null) return
    // After a blue-green switch, requests already forwarded to this version finish first.
    const entry = this.proxies.get(app)
    if (entry != null && entry.version !== version && drainTimeoutMs > 0) {
      for (const port of Object.values(instance.ports)) for (const proxy of entry.proxies) await proxy.drain(port, drainTimeoutMs)
    }
    instance.health?.stop()
    await instance.process.stop()
    await instance.group?.remove().catch((err: Error) => { this.c.logger.warn('%s: %s', k, err.message) })
    this.instances.delete(k)
  }

  /** Stops an app's public ports (the app is being removed). */
  async closePorts (app: string): Promise<void> {
    const entry = this.proxies.get(app)
    this.proxies.delete(app)
    for (const proxy of entry?.proxies ?? []) await proxy.stop()
  }

  logPath (app: string): string {
    return join(this.c.logsDir, `${app}.log`)
  }

  /** Keeps the app's log file under LOG_BYTES_MAX (copy-truncate: the processes keep their fd). */
  private rotate (app: string): void {
    if (this.rotators.has(app)) return
    const rotator = logRotator({ path: this.logPath(app), bytesMax: LOG_BYTES_MAX, filesKept: LOG_FILES_KEPT, clock: this.c.clock })
    rotator.start(LOG_CHECK_INTERVAL_MS)
    this.rotators.set(app, rotator)
  }

  /** On agent shutdown: ports close, processes keep running for the next agent to adopt. */
  async detach (): Promise<void> {
    for (const rotator of this.rotators.values()) await rotator.stop()
    this.rotators.clear()
    for (const app of [...this.proxies.keys()]) await this.closePorts(app)
    for (const instance of this.instances.values()) {
      instance.health?.stop()
      instance.process.release()
    }
    this.instances.clear()
  }

  private async limitGroup (spec: AppSpec, version: string): Promise<LimitGroup | undefined> {
    const support = this.c.limitSupport
    const { memory, cpu, ioReadBps, ioWriteBps } = spec.limits
    if (support == null || (memory == null && cpu == null && ioReadBps == null && ioWriteBps == null)) return undefined
    const limits = {
      ...(memory != null ? { memoryBytes: parseMemory(memory) } : {}),
      ...(cpu != null ? { cpuMillis: parseCpu(cpu) } : {}),
      ...(ioReadBps != null ? { ioReadBps } : {}),
      ...(ioWriteBps != null ? { ioWriteBps } : {})
    }
    const group = await createLimitGroup(`${spec.name}-${version}`.replace(/[^A-Za-z0-9._-]/g, '_'), limits, support, { ioDevicePath: this.c.logsDir })
    if (group.enforcement.notes.length > 0) this.c.logger.warn('%s limits: %s', spec.name, group.enforcement.notes.join('; '))
    return group
  }
}

const key = (app: string, version: string): string => `${app}@${version}`
const splitKey = (k: string): [string, string] => {
  const at = k.indexOf('@')
  return [k.slice(0, at), k.slice(at + 1)]
}

function commandOf (spec: AppSpec, installed: InstalledRecord): string[] {
  const [first, ...rest] = spec.command ?? installed.entrypoint
  if (first == null) throw new StepFailedError(`${spec.name} has nothing to run: its artifact has no entrypoint and the spec no "command"`)
  return [isAbsolute(first) || !first.includes('/') ? first : join(installed.dir, first), ...rest, ...spec.args]
}

function envOf (spec: AppSpec, version: string, installed: InstalledRecord, record: InstanceRecord): Record<string, string> {
  const ports = Object.fromEntries(Object.entries(record.ports).map(([name, port]) => [name, String(port)]))
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: installed.dir, ...installed.env, ...spec.env, ...ports,
    FLEET_APP: spec.name, FLEET_APP_VERSION: version, [INSTANCE_ENV]: record.id
  }
}

function firstPort (record: InstanceRecord): { port?: number } {
  const port = Object.values(record.ports)[0]
  return port != null ? { port } : {}
}

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => { resolve(typeof address === 'object' && address != null ? address.port : 0) })
    })
  })
}
