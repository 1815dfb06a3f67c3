/**
 * The random mode: the seed picks everything a named scenario fixes — a good or a bad version,
 * loss, churn, a partition or none, the number of sites, the artifact size — so sweeping seeds
 * explores combinations nobody wrote down.
 */
import { BASELINE_VERSION, DEFAULT_DEVICE, NEW_VERSION } from '../device/index.js'
import { DEFAULT_GOSSIP } from '../gossip/index.js'
import { DEFAULT_NETWORK, scheduleChurn, schedulePartition } from '../network/index.js'
import { canarySpec, scenarioRandom } from './config.js'
import type { ScenarioConfig } from './config.js'

export function randomScenario (seed: number, nodes: number): ScenarioConfig {
  const random = scenarioRandom(seed)
  const bad = random.chance(0.4)
  const loss = random.chance(0.5) ? random.between(0, 0.05) : 0
  const churn = random.chance(0.5) ? random.between(0, 0.05) : 0
  const sites = Math.max(2, Math.min(20, 1 + random.int(Math.ceil(nodes / 25))))
  const cut = random.chance(0.5) ? { site: 1 + random.int(sites - 1), afterMs: random.between(10_000, 300_000), forMs: random.between(60_000, 600_000) } : undefined
  const healMs = Math.round(Math.max(churn > 0 ? random.between(5, 20) * 60_000 : 0, cut !== undefined ? 5_000 + cut.afterMs + cut.forMs : 0))
  const spec = canarySpec(random, nodes)
  return {
    name: 'random',
    seed,
    nodes,
    network: { ...DEFAULT_NETWORK, nodes, sites, loss },
    gossip: DEFAULT_GOSSIP,
    device: {
      ...DEFAULT_DEVICE,
      artifactBytes: Math.round(random.between(1, 50) * 2 ** 20),
      installFailure: random.chance(0.5) ? random.between(0, 0.02) : 0,
      ...(bad ? { badVersions: new Set([NEW_VERSION]) } : {})
    },
    // Churn and flaky installs produce error reports; only a bad version may look like one.
    spec: { ...spec, triggers: [{ metric: 'error_rate', threshold: 0.3, minSamples: 5, action: 'immediate' }] },
    deployAtMs: 5_000,
    faults: (net, faultRandom, deployAtMs) => {
      const t0 = net.sim.nowMs
      if (churn > 0) scheduleChurn(net, { fraction: churn, fromMs: t0 + deployAtMs, healMs: t0 + healMs, offlineMeanMs: 60_000, exempt: new Set([0]) }, faultRandom)
      if (cut !== undefined) schedulePartition(net, cut.site, t0 + deployAtMs + cut.afterMs, t0 + deployAtMs + cut.afterMs + cut.forMs)
    },
    healMs,
    convergenceBoundMs: 30 * 60_000,
    forgedPlans: 1 + random.int(3),
    expect: bad
      ? { targetedVersion: BASELINE_VERSION, untargetedVersion: BASELINE_VERSION, status: 'rolled-back', forbiddenVersion: NEW_VERSION }
      : { targetedVersion: NEW_VERSION, untargetedVersion: BASELINE_VERSION, status: 'succeeded' }
  }
}
