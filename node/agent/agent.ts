import { join } from 'node:path'
import { manifestFromJson, manifestToJson } from '../../content/manifest/index.js'
import { AppInstances } from './app-instances.js'
import { appSpecSchema } from './app-spec.js'
import { APPS_MAX, EVENTS_KEPT_MAX, PENALTY_MS_DEFAULT, RECONCILE_INTERVAL_MS, ROUND_STEPS_MAX, STOP_WAIT_MS } from './constants.js'
import { AppTargetError } from './errors.js'
import { execute } from './executor.js'
import { emptyAppState } from './agent-state.js'
import { plan } from './planner.js'
import { recordFailure } from './retry-policy.js'
import { StateFile } from './state-file.js'
import type { AgentState, ObservedApp, VersionFailures } from './agent-state.js'
import type { ManifestJson } from '../../content/manifest/index.js'
import type { ArtifactSource } from './artifact-source.js'
import type { Step } from './planner.js'
import type { ComponentLogger, Logger } from '../logging/index.js'
import type { Clock } from '../ports/index.js'
import type { Enforcement, LimitSupport } from '../runtime/limits/index.js'
import type { ProcessStatus } from '../runtime/process/index.js'

export interface AgentInit {
  /** The node's storage dir: state in `agent/`, apps in `apps/`, logs in `logs/`. */
  storageDir: string
  /** How long a version that failed 3 times is not retried. @default PENALTY_MS_DEFAULT */
  penaltyMs?: number
  /** Where apps push custom metrics; given to them as FLEET_METRICS_URL. */
  metricsUrl?: string
}

export interface AgentComponents {
  clock: Clock
  logger: ComponentLogger
  artifacts: ArtifactSource
  /** What limits the device enforces (`detectLimitSupport()`); undefined = none applied. */
  limitSupport?: LimitSupport
}

export interface InstanceStatus extends Partial<ProcessStatus> {
  version: string
  health?: string
  healthDetail?: string
  enforcement?: Enforcement
}

export interface AppStatus {
  name: string
  target?: string
  active?: string
  previous?: string
  installed: string[]
  instances: InstanceStatus[]
  failures: Record<string, VersionFailures>
}

export interface AgentStatus { converged: boolean, apps: AppStatus[], events: AgentEvent[] }

export type AgentEvent =
  | { type: 'converged', atMs: number }
  | { type: 'updated', atMs: number, app: string, version: string, from?: string, msSinceTarget?: number }
  | { type: 'update-failed', atMs: number, app: string, version: string, error: string, attempts: number, retryAtMs: number, penaltyUntilMs?: number, rollbackTo?: string }
  | { type: 'step-failed', atMs: number, step: Step, error: string }

/**
 * The device reconciler: a loop that plans (planner.ts, pure) from the persisted state, what
 * runs, and the target, executes the steps (executor.ts), and plans again; an empty plan is
 * converged. A failed update is recorded against its version (retry-policy.ts) and the next
 * plan rolls the app back to its active version.
 */
export class Agent {
  private readonly log: Logger
  private readonly file: StateFile
  private readonly instances: AppInstances
  private state: AgentState = { target: { apps: {} }, apps: {} }
  private controller: AbortController | undefined
  private loopDone: Promise<void> | undefined
  private wake: (() => void) | undefined
  private converged = false
  private readonly targetSetMs = new Map<string, number>()
  private readonly eventLog: AgentEvent[] = []
  private readonly listeners = new Set<(event: AgentEvent) => void>()

  constructor (private readonly c: AgentComponents, private readonly init: AgentInit) {
    this.log = c.logger.forComponent('fleet:agent')
    this.file = new StateFile(join(init.storageDir, 'agent', 'state.json'))
    this.instances = new AppInstances({
      clock: c.clock, logger: this.log, logsDir: join(init.storageDir, 'logs'), ...(c.limitSupport != null ? { limitSupport: c.limitSupport } : {}),
      ...(init.metricsUrl != null ? { env: { FLEET_METRICS_URL: init.metricsUrl } } : {})
    })
  }

  get logsDir (): string {
    return join(this.init.storageDir, 'logs')
  }

  async start (): Promise<void> {
    if (this.controller != null) return
    this.state = await this.file.load()
    await this.adoptInstances()
    this.controller = new AbortController()
    this.loopDone = this.loop(this.controller.signal)
  }

  /** Stops reconciling; apps keep running (a restarted agent adopts them) but their ports close. */
  async stop (): Promise<void> {
    this.controller?.abort()
    this.wake?.()
    // A step in progress (a health wait, a drain) is abandoned rather than awaited: steps are
    // crash-safe, so stopping mid-step is no worse than the kill -9 the agent already survives.
    await Promise.race([this.loopDone, this.c.clock.sleep(STOP_WAIT_MS)])
    this.controller = undefined
    await this.instances.detach()
  }

  /** Sets what version of an app the device runs; validated here, converged by the loop. */
  async setApp (spec: unknown, manifest: unknown): Promise<{ app: string, version: string }> {
    const parsed = appSpecSchema.safeParse(spec)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new AppTargetError(`the app spec is invalid at "${issue?.path.join('.') ?? ''}": ${issue?.message ?? 'unknown'}; fix the spec and apply it again`)
    }
    const m = manifestToJson(manifestFromJson(manifest))
    if (m.name !== parsed.data.name) throw new AppTargetError(`the manifest is for '${m.name}' but the spec for '${parsed.data.name}'; use the manifest of the app's artifact`)
    if (this.state.target.apps[m.name] == null && Object.keys(this.state.target.apps).length >= APPS_MAX) throw new AppTargetError(`this device already runs ${APPS_MAX} apps, the most it takes`)
    const target = { spec: parsed.data, manifest: m }
    this.state.target.apps[m.name] = target
    const app = this.state.apps[m.name] ??= emptyAppState()
    app.versions[m.version] = target
    // A version the operator deploys again gets a fresh start, penalty or not.
    delete app.failures[m.version]
    await this.file.save(this.state)
    this.targetSetMs.set(m.name, this.c.clock.nowMs())
    this.converged = false
    this.wake?.()
    return { app: m.name, version: m.version }
  }

  async removeApp (name: string): Promise<boolean> {
    if (this.state.target.apps[name] == null) return false
    delete this.state.target.apps[name]
    await this.file.save(this.state)
    this.converged = false
    this.wake?.()
    return true
  }

  status (): AgentStatus {
    const names = [...new Set([...Object.keys(this.state.target.apps), ...Object.keys(this.state.apps)])].sort()
    const apps = names.map(name => {
      const app = this.state.apps[name] ?? emptyAppState()
      const instances = Object.keys(app.instances).sort().map(version => ({ version, ...this.instances.status(name, version) }))
      const target = this.state.target.apps[name]?.manifest.version
      return {
        name, ...(target != null ? { target } : {}), ...(app.active != null ? { active: app.active } : {}), ...(app.previous != null ? { previous: app.previous } : {}),
        installed: Object.keys(app.installed).sort(), instances, failures: app.failures
      }
    })
    return { converged: this.converged, apps, events: [...this.eventLog] }
  }

  /** The signed manifest of a version of an app the agent holds (target, active or previous), JSON form. */
  manifestOf (app: string, version: string): ManifestJson | undefined {
    const target = this.state.target.apps[app]
    if (target?.manifest.version === version) return target.manifest
    return this.state.apps[app]?.versions[version]?.manifest
  }

  onEvent (listener: (event: AgentEvent) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  private async loop (signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const steps = plan(this.state, this.observe(), { nowMs: this.c.clock.nowMs() })
      if (steps.length === 0) {
        if (!this.converged) { this.converged = true; this.emit({ type: 'converged', atMs: this.c.clock.nowMs() }) }
        await this.idle(signal)
        continue
      }
      this.converged = false
      for (const step of steps.slice(0, ROUND_STEPS_MAX)) {
        if (signal.aborted) return
        const ok = await this.run(step, signal)
        if (!ok) break
      }
    }
  }

  private async run (step: Step, signal: AbortSignal): Promise<boolean> {
    const app = this.state.apps[step.app]
    const from = app?.active
    try {
      this.log.info('%s %s%s', step.action, step.app, 'version' in step ? `@${step.version}` : '')
      await execute(step, { state: this.state, save: async () => { await this.file.save(this.state) }, instances: this.instances, artifacts: this.c.artifacts, appsDir: join(this.init.storageDir, 'apps'), signal })
      if (step.action === 'switch' && from !== step.version) {
        const setMs = this.targetSetMs.get(step.app)
        this.emit({ type: 'updated', atMs: this.c.clock.nowMs(), app: step.app, version: step.version, ...(from != null ? { from } : {}), ...(setMs != null ? { msSinceTarget: this.c.clock.nowMs() - setMs } : {}) })
      }
      return true
    } catch (err) {
      if (signal.aborted) return false
      await this.failed(step, (err as Error).message)
      return false
    }
  }

  /** A step of the target version failed: count it against the version (the next plan rolls back). */
  private async failed (step: Step, error: string): Promise<void> {
    const nowMs = this.c.clock.nowMs()
    const target = this.state.target.apps[step.app]
    const app = this.state.apps[step.app]
    if ('version' in step && target?.manifest.version === step.version && app != null && app.active !== step.version) {
      const failures = recordFailure(app.failures[step.version], `${step.action}: ${error}`, nowMs, this.init.penaltyMs ?? PENALTY_MS_DEFAULT)
      app.failures[step.version] = failures
      await this.file.save(this.state)
      this.log.warn('%s@%s failed (%s), attempt %d; %s', step.app, step.version, error, failures.attemptsMs.length,
        failures.penaltyUntilMs != null ? `not retried before ${new Date(failures.penaltyUntilMs).toISOString()}` : `retry after ${new Date(failures.retryAtMs).toISOString()}`)
      this.emit({
        type: 'update-failed', atMs: nowMs, app: step.app, version: step.version, error: `${step.action}: ${error}`, attempts: failures.attemptsMs.length, retryAtMs: failures.retryAtMs,
        ...(failures.penaltyUntilMs != null ? { penaltyUntilMs: failures.penaltyUntilMs } : {}), ...(app.active != null ? { rollbackTo: app.active } : {})
      })
      return
    }
    this.log.warn('%s %s failed: %s; trying again in %d ms', step.action, step.app, error, RECONCILE_INTERVAL_MS)
    this.emit({ type: 'step-failed', atMs: nowMs, step, error })
    await this.c.clock.sleep(RECONCILE_INTERVAL_MS)
  }

  /**
   * Takes over every process an earlier agent left running, whatever its version, so the first
   * plan sees them all: the live one is kept, a half-updated or rolled-back one is stopped. A
   * record whose process is gone is dropped.
   */
  private async adoptInstances (): Promise<void> {
    let changed = false
    for (const [name, app] of Object.entries(this.state.apps)) {
      for (const [version, record] of Object.entries(app.instances)) {
        const known = app.versions[version]
        const installed = app.installed[version]
        const adopted = known != null && installed != null && await this.instances.adopt(known.spec, version, installed, record).catch((err: Error) => {
          this.log.warn('cannot adopt %s@%s: %s', name, version, err.message)
          return false
        })
        if (!adopted) { delete app.instances[version]; changed = true }
      }
    }
    if (changed) await this.file.save(this.state)
  }

  private observe (): Record<string, ObservedApp> {
    const names = new Set([...Object.keys(this.state.apps), ...Object.keys(this.state.target.apps)])
    return Object.fromEntries([...names].map(name => [name, this.instances.observe(name)]))
  }

  private async idle (signal: AbortSignal): Promise<void> {
    await Promise.race([
      this.c.clock.sleep(RECONCILE_INTERVAL_MS, { signal }).catch(() => {}),
      new Promise<void>(resolve => { this.wake = resolve })
    ])
    this.wake = undefined
  }

  private emit (event: AgentEvent): void {
    this.eventLog.push(event)
    if (this.eventLog.length > EVENTS_KEPT_MAX) this.eventLog.shift()
    for (const listener of this.listeners) listener(event)
  }
}
