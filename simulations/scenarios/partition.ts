/**
 * A site is cut off from the rest (coordinator included) mid-rollout and heals minutes later:
 * its devices keep running what they have, their reports wait in the outbox, and after the
 * heal anti-entropy brings them the plans they missed.
 */
import { BASELINE_VERSION, DEFAULT_DEVICE, NEW_VERSION } from '../device/index.js'
import { DEFAULT_GOSSIP } from '../gossip/index.js'
import { DEFAULT_NETWORK, schedulePartition } from '../network/index.js'
import { canarySpec, scenarioRandom } from './config.js'
import type { ScenarioConfig } from './config.js'

export function partition (seed: number, nodes: number): ScenarioConfig {
  const random = scenarioRandom(seed)
  const sites = Math.max(2, Math.min(20, Math.ceil(nodes / 50)))
  const spec = canarySpec(random, nodes)
  // Cut after the first phase has started, heal after 3–8 minutes.
  const cutAfterMs = Math.round(random.between(30_000, 90_000))
  const outageMs = Math.round(random.between(3, 8) * 60_000)
  const site = 1 + random.int(sites - 1)
  const deployAtMs = 5_000
  return {
    name: 'partition',
    seed,
    nodes,
    network: { ...DEFAULT_NETWORK, nodes, sites, loss: 0.001 },
    gossip: DEFAULT_GOSSIP,
    device: DEFAULT_DEVICE,
    spec,
    deployAtMs,
    faults: (net) => {
      const t0 = net.sim.nowMs + deployAtMs + cutAfterMs
      schedulePartition(net, site, t0, t0 + outageMs)
    },
    healMs: deployAtMs + cutAfterMs + outageMs,
    convergenceBoundMs: 30 * 60_000,
    forgedPlans: 1,
    expect: { targetedVersion: NEW_VERSION, untargetedVersion: BASELINE_VERSION, status: 'succeeded' }
  }
}
