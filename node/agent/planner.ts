import { emptyAppState } from './agent-state.js'
import { isWaiting } from './retry-policy.js'
import type { AgentState, AppState, ObservedApp, TargetApp } from './agent-state.js'

/** One idempotent action of the agent; the executor table (executor.ts) maps each to code. */
export type Step =
  /** Fetch the verified artifact and install it (idempotent: an installed version is kept). */
  | { action: 'install', app: string, version: string }
  /** Start a process of the version, on its own ports behind the app's public ones. */
  | { action: 'start', app: string, version: string }
  /** Wait for the version's health check (or a settle time without one); failure rolls back. */
  | { action: 'await-healthy', app: string, version: string }
  /** Commit: the version becomes active and the public ports forward to it. */
  | { action: 'switch', app: string, version: string }
  | { action: 'stop', app: string, version: string }
  | { action: 'uninstall', app: string, version: string }
  /** Drop an app that is no longer targeted, once nothing of it runs or is installed. */
  | { action: 'forget', app: string }

export interface PlanContext { nowMs: number }

const noObservation: ObservedApp = { running: {}, health: {} }

/**
 * The steps that take the device from `state` (+ what runs, `observed`) towards `state.target`
 * (pure and synchronous, STYLE rule 4). The reconciler runs them, then plans again; an empty
 * plan means converged. A version that failed is waiting (backoff or penalty box): the app is
 * kept on, or put back to, its active version — the local rollback.
 */
export function plan (state: AgentState, observed: Record<string, ObservedApp>, context: PlanContext): Step[] {
  const steps: Step[] = []
  for (const name of Object.keys(state.apps).sort()) {
    if (state.target.apps[name] == null) steps.push(...planRemoval(name, state.apps[name] ?? emptyAppState(), observed[name] ?? noObservation))
  }
  for (const name of Object.keys(state.target.apps).sort()) {
    const target = state.target.apps[name]
    if (target == null) continue
    steps.push(...planApp(name, target, state.apps[name] ?? emptyAppState(), observed[name] ?? noObservation, context))
  }
  return steps
}

function planApp (app: string, target: TargetApp, state: AppState, observed: ObservedApp, context: PlanContext): Step[] {
  const version = target.manifest.version
  const active = state.active
  const hasPorts = target.spec.ports.length > 0
  const running = (v: string): boolean => observed.running[v] === true
  const runningOthers = (keep: ReadonlySet<string>): Step[] =>
    Object.keys(observed.running).sort().filter(v => running(v) && !keep.has(v)).map(v => ({ action: 'stop', app, version: v }))

  if (active === version) {
    const steps: Step[] = []
    if (state.installed[version] == null) steps.push({ action: 'install', app, version })
    // Restarted (after an agent restart or a crash): converged means serving again, so wait for health.
    if (!running(version)) steps.push({ action: 'start', app, version }, { action: 'await-healthy', app, version })
    if (hasPorts && observed.proxied !== version) steps.push({ action: 'switch', app, version })
    steps.push(...runningOthers(new Set([version])))
    const kept = new Set([version, ...(state.previous != null ? [state.previous] : [])])
    for (const v of Object.keys(state.installed).sort()) if (!kept.has(v) && !running(v)) steps.push({ action: 'uninstall', app, version: v })
    return steps
  }

  if (isWaiting(state.failures[version], context.nowMs)) {
    // Local rollback: the failed version stops, the active one runs and takes the ports back.
    const steps = runningOthers(new Set(active != null ? [active] : []))
    if (active != null && !running(active)) steps.push({ action: 'start', app, version: active }, { action: 'await-healthy', app, version: active })
    if (active != null && hasPorts && observed.proxied !== active) steps.push({ action: 'switch', app, version: active })
    return steps
  }

  if (state.installed[version] == null) return [{ action: 'install', app, version }]

  const blueGreen = target.spec.update.strategy === 'blue-green'
  // Blue-green keeps the active version serving until the new one is healthy; stop-start frees it first.
  const keep = new Set(blueGreen && active != null ? [active, version] : [version])
  const steps = runningOthers(keep)
  if (!running(version)) steps.push({ action: 'start', app, version })
  steps.push({ action: 'await-healthy', app, version }, { action: 'switch', app, version })
  return steps
}

function planRemoval (app: string, state: AppState, observed: ObservedApp): Step[] {
  const steps: Step[] = Object.keys(observed.running).sort().filter(v => observed.running[v] === true).map(v => ({ action: 'stop', app, version: v }))
  if (steps.length > 0) return steps
  const installed = Object.keys(state.installed).sort()
  if (installed.length > 0) return installed.map(v => ({ action: 'uninstall', app, version: v }))
  return [{ action: 'forget', app }]
}
