/**
 * A firmware rollout to MCU children behind gateways: a tenth of the devices are gateways with
 * 1–6 children each, on 115200-baud serial or on LoRa (1% or 10% duty cycle, 5% fragment loss).
 * The deployment targets `group:mcu` only, so the Linux devices must stay untouched; gateways
 * fetch the 48 KiB image through the swarm and stream it to each child; some gateways drop off
 * mid-transfer and resume when they are back. LoRa at 1% takes hours: the bound and the
 * spec's inconclusive limit allow it.
 */
import { BASELINE_VERSION, DEFAULT_DEVICE, NEW_VERSION } from '../device/index.js'
import { DEFAULT_GOSSIP } from '../gossip/index.js'
import { DEFAULT_MCU } from '../mcu/index.js'
import { DEFAULT_NETWORK, scheduleChurn } from '../network/index.js'
import { canarySpec, scenarioRandom } from './config.js'
import type { ScenarioConfig } from './config.js'

/** Children per mesh device on average: gatewayFraction × mean children per gateway. */
const CHILDREN_PER_NODE = DEFAULT_MCU.gatewayFraction * (DEFAULT_MCU.childrenPerGateway[0] + DEFAULT_MCU.childrenPerGateway[1]) / 2

export function mcuGateways (seed: number, nodes: number): ScenarioConfig {
  const random = scenarioRandom(seed)
  const churn = random.between(0.02, 0.05)
  const healMs = Math.round(random.between(20, 40) * 60_000)
  const spec = canarySpec(random, Math.max(2, Math.round(nodes * CHILDREN_PER_NODE)))
  return {
    name: 'mcu-gateways',
    seed,
    nodes,
    network: { ...DEFAULT_NETWORK, nodes, sites: Math.max(1, Math.min(20, Math.ceil(nodes / 50))), loss: 0.005 },
    gossip: DEFAULT_GOSSIP,
    device: { ...DEFAULT_DEVICE, artifactBytes: 48 * 1024, untargetedFraction: 0 },
    mcu: DEFAULT_MCU,
    // The controller pauses a phase after consecutiveInconclusiveMax evaluations without enough
    // reports; at the scenarios' 200 × 15 s (50 min) a canary of LoRa children at 1% duty cycle
    // (hours per image) paused every time. A firmware deployment to LoRa devices needs hours:
    // 1,000 (the spec's maximum) × 30 s = 8.3 h.
    spec: { ...spec, target: 'group:mcu', evaluationIntervalMs: 30_000, consecutiveInconclusiveMax: 1_000 },
    deployAtMs: 5_000,
    faults: (net, faultRandom, deployAtMs) => {
      const t0 = net.sim.nowMs
      scheduleChurn(net, { fraction: churn, fromMs: t0 + deployAtMs, healMs: t0 + healMs, offlineMeanMs: 120_000, exempt: new Set([0]) }, faultRandom)
    },
    healMs,
    convergenceBoundMs: 8 * 3_600_000,
    forgedPlans: 2,
    expect: { targetedVersion: NEW_VERSION, untargetedVersion: BASELINE_VERSION, status: 'succeeded' }
  }
}
