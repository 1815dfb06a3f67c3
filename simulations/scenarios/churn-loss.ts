/**
 * A healthy version on a bad network: 3% message loss (TCP retransmissions), 5% of the
 * devices leaving and rejoining during the rollout, flaky installs the agent retries. The
 * rollout must still succeed once the churn stops, with every device on the new version.
 */
import { BASELINE_VERSION, DEFAULT_DEVICE, NEW_VERSION } from '../device/index.js'
import { DEFAULT_GOSSIP } from '../gossip/index.js'
import { DEFAULT_NETWORK, scheduleChurn } from '../network/index.js'
import { canarySpec, scenarioRandom } from './config.js'
import type { ScenarioConfig } from './config.js'

export function churnLoss (seed: number, nodes: number): ScenarioConfig {
  const random = scenarioRandom(seed)
  const healMs = Math.round(random.between(15, 25) * 60_000)
  const spec = canarySpec(random, nodes)
  return {
    name: 'churn-loss',
    seed,
    nodes,
    network: { ...DEFAULT_NETWORK, nodes, sites: Math.max(1, Math.min(20, Math.ceil(nodes / 50))), loss: 0.03 },
    gossip: DEFAULT_GOSSIP,
    device: { ...DEFAULT_DEVICE, installFailure: 0.01 },
    // Flaky installs report errors: a 1% failure rate must not look like a bad version.
    spec: { ...spec, triggers: [{ metric: 'error_rate', threshold: 0.3, minSamples: 5, action: 'immediate' }] },
    deployAtMs: 5_000,
    faults: (net, faultRandom, deployAtMs) => {
      scheduleChurn(net, { fraction: 0.05, fromMs: net.sim.nowMs + deployAtMs, healMs: net.sim.nowMs + healMs, offlineMeanMs: 90_000, exempt: new Set([0]) }, faultRandom)
    },
    healMs,
    convergenceBoundMs: 30 * 60_000,
    forgedPlans: 2,
    expect: { targetedVersion: NEW_VERSION, untargetedVersion: BASELINE_VERSION, status: 'succeeded' }
  }
}
