/**
 * What a scenario is: every parameter of one run, drawn from the seed. A scenario function
 * takes (seed, nodes) and returns this; the runner builds the world from it and the same seed.
 */
import { BASELINE_VERSION, NEW_VERSION } from '../device/index.js'
import { SimRandom } from '../engine/index.js'
import type { DeploymentSpecInput } from '../../node/coordinator/rollout/index.js'
import type { DeviceParams } from '../device/index.js'
import type { GossipParams } from '../gossip/index.js'
import type { Expectation } from '../invariants/index.js'
import type { Network, NetworkParams } from '../network/index.js'
import type { SwarmParams } from '../swarm/index.js'
import type { McuParams } from '../mcu/index.js'

export interface ScenarioConfig {
  name: string
  seed: number
  /** Mesh nodes: node 0 is the coordinator, the others are devices. */
  nodes: number
  network: NetworkParams
  gossip: GossipParams
  device: DeviceParams
  /** The artifact swarm installs fetch through. @default DEFAULT_SWARM */
  swarm?: Partial<SwarmParams>
  /** Gateways with MCU children (the mcu-gateways scenario). @default none */
  mcu?: McuParams
  spec: DeploymentSpecInput
  /** When the deployment is created (ms after the start; the mesh forms first). */
  deployAtMs: number
  /** Faults, scheduled on the network with the faults' own stream; all over by `healMs`. */
  faults: (net: Network, random: SimRandom, deployAtMs: number) => void
  /** ms after the start when every fault is over. */
  healMs: number
  /** Liveness must hold within this long after the later of `healMs` and the deployment's own schedule. */
  convergenceBoundMs: number
  /** Plans with a bad signature published by a compromised device during the run. */
  forgedPlans: number
  expect: Expectation
}

export type Scenario = (seed: number, nodes: number) => ScenarioConfig

/** The scenario's parameter stream: seeded from the run's seed, distinct from the models' root stream. */
export function scenarioRandom (seed: number): SimRandom {
  return new SimRandom((seed ^ 0x5bd1e995) >>> 0)
}

/**
 * A canary deployment sized for the fleet: the first phase holds at least ~10 devices, then
 * 10%, 50%, 100%; phase durations and the trigger are drawn. Durations are minutes, not the
 * hours of a production canary, so a run simulates about an hour.
 */
export function canarySpec (random: SimRandom, nodes: number): DeploymentSpecInput {
  const devices = Math.max(1, nodes - 1)
  const first = Math.min(10, Math.max(1, Math.ceil((1_000 / devices))))
  const percents = [first, 10, 50, 100].filter((p, i, all) => i === 0 || p > (all[i - 1] as number))
  const phases = percents.map(percent => ({ percent, durationMs: Math.round(random.between(60_000, 180_000)), validation: 'auto' as const }))
  return {
    id: `dep-sim-${random.int(1_000_000)}`,
    app: 'edge-app',
    version: NEW_VERSION,
    rollbackTo: BASELINE_VERSION,
    target: 'group:fleet',
    strategy: 'canary',
    phases,
    triggers: [{ metric: 'error_rate', threshold: Math.round(random.between(0.1, 0.3) * 100) / 100, minSamples: 5, action: 'immediate' }],
    evaluationIntervalMs: 15_000,
    consecutiveInconclusiveMax: 200
  }
}
