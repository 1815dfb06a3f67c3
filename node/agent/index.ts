/**
 * The device agent: converges the apps this device runs to its target (the version a verified
 * plan assigns, or one set locally with `fleet-node app deploy`), supervising their processes,
 * health-checking updates, rolling back locally, and surviving `kill -9` at any step.
 *
 * @example
 * ```ts
 * import { agent } from './agent/index.js'
 * import type { ArtifactSource } from './agent/index.js'
 * import { systemClock } from '../ports/index.js'
 * import { consoleLogger } from '../logging/index.js'
 * declare const artifacts: ArtifactSource
 * const a = agent({ storageDir: '/var/lib/fleetd' })({ clock: systemClock(), logger: consoleLogger(), artifacts })
 * await a.start()
 * console.log(a.status().converged)
 * await a.stop()
 * ```
 */
import { Agent } from './agent.js'
import type { AgentComponents, AgentInit } from './agent.js'

export { Agent } from './agent.js'
export type { AgentComponents, AgentEvent, AgentInit, AgentStatus, AppStatus, InstanceStatus } from './agent.js'
export { appSpecSchema, APP_NAME_PATTERN } from './app-spec.js'
export type { AppSpec, AppSpecInput } from './app-spec.js'
export { plan } from './planner.js'
export type { PlanContext, Step } from './planner.js'
export { recordFailure, isWaiting } from './retry-policy.js'
export { fleetArtifactSource } from './artifact-source.js'
export { AgentMetrics } from './agent-metrics.js'
export type { AgentMetricsComponents } from './agent-metrics.js'
export type { ArtifactSource } from './artifact-source.js'
export type { AgentState, AppState, ObservedApp, Target, TargetApp } from './agent-state.js'
export { AgentStateError, AppTargetError, StepFailedError } from './errors.js'

export function agent (init: AgentInit) {
  return (components: AgentComponents): Agent => new Agent(components, init)
}
