import { randomUUID } from 'node:crypto'
import { installArtifact, removeInstalled } from '../runtime/install/index.js'
import { StepFailedError } from './errors.js'
import { emptyAppState } from './agent-state.js'
import type { AgentState, AppState, TargetApp } from './agent-state.js'
import type { AppInstances } from './app-instances.js'
import type { ArtifactSource } from './artifact-source.js'
import type { Step } from './planner.js'

export interface ExecutorContext {
  state: AgentState
  save(): Promise<void>
  instances: AppInstances
  artifacts: ArtifactSource
  appsDir: string
  signal: AbortSignal
}

type Executor<A extends Step['action']> = (step: Extract<Step, { action: A }>, c: ExecutorContext) => Promise<void>

/**
 * One function per step action (STYLE rule 4). Each is idempotent and saves the state as soon
 * as its effect is real, so a `kill -9` anywhere leaves a state the planner can continue from:
 * a version is `installed` only after its install completed, an instance's id and ports are
 * saved before its process starts (so a restarted agent finds it), and `active` changes only in
 * `switch`, after the new version proved healthy.
 */
export const executors: { [A in Step['action']]: Executor<A> } = {
  install: async (step, c) => {
    const app = appOf(c, step.app)
    if (app.installed[step.version] != null) return
    const { manifest } = versionOf(app, step)
    const file = await c.artifacts.fetch(manifest, { signal: c.signal })
    const installed = await installArtifact({ file, type: manifest.type, appName: step.app, version: step.version, appsDir: c.appsDir }, { signal: c.signal })
    app.installed[step.version] = { dir: installed.dir, entrypoint: installed.entrypoint ?? [], ...(installed.env != null ? { env: installed.env } : {}) }
    await c.save()
  },

  start: async (step, c) => {
    const app = appOf(c, step.app)
    const { spec } = versionOf(app, step)
    const installed = app.installed[step.version]
    if (installed == null) throw new StepFailedError(`${step.app}@${step.version} is not installed`)
    let record = app.instances[step.version]
    if (record == null) {
      record = { id: randomUUID(), ports: await c.instances.allocatePorts(spec) }
      app.instances[step.version] = record
      await c.save()
    }
    const handle = await c.instances.start(spec, step.version, installed, record)
    if (record.handle?.pid !== handle.pid || record.handle.startTicks !== handle.startTicks) {
      record.handle = handle
      await c.save()
    }
  },

  'await-healthy': async (step, c) => {
    const { spec } = versionOf(appOf(c, step.app), step)
    await c.instances.waitHealthy(step.app, step.version, spec.update.healthTimeoutMs)
  },

  switch: async (step, c) => {
    const app = appOf(c, step.app)
    const { spec, manifest } = versionOf(app, step)
    await c.instances.switchPorts(spec, step.version, app.instances[step.version]?.ports ?? {})
    if (app.active !== step.version) {
      if (app.active != null) app.previous = app.active
      app.active = step.version
      delete app.failures[step.version]
      await c.save()
    }
    await c.artifacts.markRunning?.(manifest)
  },

  stop: async (step, c) => {
    const app = appOf(c, step.app)
    await c.instances.stop(step.app, step.version, app.versions[step.version]?.spec.stopTimeoutMs ?? 0)
    if (app.instances[step.version] != null) {
      delete app.instances[step.version]
      await c.save()
    }
  },

  uninstall: async (step, c) => {
    const app = appOf(c, step.app)
    await removeInstalled(c.appsDir, step.app, step.version)
    delete app.installed[step.version]
    if (app.active !== step.version && app.previous !== step.version && c.state.target.apps[step.app]?.manifest.version !== step.version) delete app.versions[step.version]
    if (app.previous === step.version) delete app.previous
    await c.save()
  },

  forget: async (step, c) => {
    await c.instances.closePorts(step.app)
    delete c.state.apps[step.app]
    await c.save()
  }
}

export async function execute (step: Step, c: ExecutorContext): Promise<void> {
  const run = executors[step.action] as Executor<Step['action']>
  await run(step, c)
}

function appOf (c: ExecutorContext, name: string): AppState {
  c.state.apps[name] ??= emptyAppState()
  return c.state.apps[name]
}

function versionOf (app: AppState, step: { app: string, version: string }): TargetApp {
  const version = app.versions[step.version]
  if (version == null) throw new StepFailedError(`no spec and manifest recorded for ${step.app}@${step.version}`)
  return version
}
