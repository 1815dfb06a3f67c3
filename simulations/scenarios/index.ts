/**
 * Named scenarios (issue [5/9]), each a function of (seed, nodes) that draws every parameter
 * from the seed, and the runner that checks their invariants.
 *
 * @example
 * ```ts
 * import { runScenario, scenarios } from './index.js'
 * const result = await runScenario(scenarios['canary-bad-version'](42, 100))
 * if (!result.ok) console.log(result.violations, result.reproduce)
 * console.log(result.world.sim.trace.hex())
 * ```
 */
import { canaryBadVersion } from './canary-bad-version.js'
import { canaryGood } from './canary-good.js'
import { churnLoss } from './churn-loss.js'
import { mcuGateways } from './mcu-gateways.js'
import { partition } from './partition.js'
import { randomScenario } from './random.js'
import type { Scenario } from './config.js'

export const scenarios: Readonly<Record<string, Scenario>> = {
  'canary-good': canaryGood,
  'canary-bad-version': canaryBadVersion,
  partition,
  'churn-loss': churnLoss,
  'mcu-gateways': mcuGateways,
  random: randomScenario
}

export { canaryBadVersion, canaryGood, churnLoss, mcuGateways, partition, randomScenario }
export { canarySpec, scenarioRandom } from './config.js'
export type { Scenario, ScenarioConfig } from './config.js'
export { runScenario } from './run.js'
export type { ProgressSample, RunResult } from './run.js'
export { buildWorld, deviceId } from './world.js'
export type { World, WorldOptions } from './world.js'
