/**
 * A version that never becomes healthy: the canaries fail their health check, the agent rolls
 * each back locally, the error-rate trigger fires and the controller rolls the deployment
 * back. The benchmark conditions: 20 MB artifact, 1% loss, 2% churn.
 */
import { BASELINE_VERSION, DEFAULT_DEVICE, NEW_VERSION } from '../device/index.js'
import { DEFAULT_GOSSIP } from '../gossip/index.js'
import { DEFAULT_NETWORK, scheduleChurn } from '../network/index.js'
import { canarySpec, scenarioRandom } from './config.js'
import type { ScenarioConfig } from './config.js'

export function canaryBadVersion (seed: number, nodes: number): ScenarioConfig {
  const random = scenarioRandom(seed)
  const healMs = Math.round(random.between(10, 20) * 60_000)
  return {
    name: 'canary-bad-version',
    seed,
    nodes,
    network: { ...DEFAULT_NETWORK, nodes, sites: Math.max(1, Math.min(20, Math.ceil(nodes / 50))), loss: 0.01 },
    gossip: DEFAULT_GOSSIP,
    device: { ...DEFAULT_DEVICE, artifactBytes: 20 * 1024 * 1024, badVersions: new Set([NEW_VERSION]) },
    spec: canarySpec(random, nodes),
    deployAtMs: 5_000,
    faults: (net, faultRandom, deployAtMs) => {
      scheduleChurn(net, { fraction: 0.02, fromMs: net.sim.nowMs + deployAtMs, healMs: net.sim.nowMs + healMs, offlineMeanMs: 60_000, exempt: new Set([0]) }, faultRandom)
    },
    healMs,
    convergenceBoundMs: 20 * 60_000,
    forgedPlans: 2,
    expect: { targetedVersion: BASELINE_VERSION, untargetedVersion: BASELINE_VERSION, status: 'rolled-back', forbiddenVersion: NEW_VERSION }
  }
}
