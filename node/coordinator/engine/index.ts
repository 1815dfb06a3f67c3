/**
 * The rollout engine (DESIGN "Deployment", flow 3): the coordinator's runtime around the pure
 * rollout controller. It decides from persisted reports only, signs each plan the controller
 * asks for with the fleet's coordinator key and gossips it, writes the controller's audit
 * events, and wakes itself when time alone can change a decision.
 *
 * @example
 * ```ts
 * import { rolloutEngine } from './coordinator/engine/index.js'
 * import type { RolloutEngineComponents } from './coordinator/engine/index.js'
 * declare const components: RolloutEngineComponents // store, audit, clock, logger, fleetId, manifest, sign, publish
 * const engine = rolloutEngine()(components)
 * await engine.start()                    // resumes live deployments
 * engine.reportPersisted('dep-1')         // after the registry stored a report
 * await engine.stop()
 * ```
 */
import { RolloutEngine } from './rollout-engine.js'
import type { RolloutEngineComponents, RolloutEngineInit } from './rollout-engine.js'

export function rolloutEngine (init: RolloutEngineInit = {}): (components: RolloutEngineComponents) => RolloutEngine {
  return (components) => new RolloutEngine(components, init)
}

export { RolloutEngine } from './rollout-engine.js'
export type { HeldManifest, RolloutEngineComponents, RolloutEngineInit } from './rollout-engine.js'
export { buildPlan, wireApp } from './plan-builder.js'
export { ENGINE_DEFAULTS } from './constants.js'
