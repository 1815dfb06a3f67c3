/** A healthy version rolls out through every canary phase on a calm network. */
import { BASELINE_VERSION, DEFAULT_DEVICE, NEW_VERSION } from '../device/index.js'
import { DEFAULT_GOSSIP } from '../gossip/index.js'
import { DEFAULT_NETWORK } from '../network/index.js'
import { canarySpec, scenarioRandom } from './config.js'
import type { ScenarioConfig } from './config.js'

export function canaryGood (seed: number, nodes: number): ScenarioConfig {
  const random = scenarioRandom(seed)
  return {
    name: 'canary-good',
    seed,
    nodes,
    network: { ...DEFAULT_NETWORK, nodes, sites: Math.max(1, Math.min(20, Math.ceil(nodes / 50))), loss: 0.001 },
    gossip: DEFAULT_GOSSIP,
    device: { ...DEFAULT_DEVICE, installFailure: 0 },
    spec: canarySpec(random, nodes),
    deployAtMs: 5_000,
    faults: () => {},
    healMs: 0,
    convergenceBoundMs: 30 * 60_000,
    forgedPlans: 2,
    expect: { targetedVersion: NEW_VERSION, untargetedVersion: BASELINE_VERSION, status: 'succeeded' }
  }
}
