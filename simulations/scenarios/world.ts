/**
 * Builds one run's world from a scenario config: the network, the gossip layer with
 * anti-entropy, the devices, the coordinator with its controller, the safety checker, the
 * faults and the forged plans. Streams are forked from the root in a fixed order, so the seed
 * alone decides everything.
 */
import { parseDeploymentSpec } from '../../node/coordinator/rollout/index.js'
import { BASELINE_VERSION, Device, FORGED_VERSION, ReportOutbox, SIM_APP, selectorCache, simAppRecord, simAppSpec, simManifest } from '../device/index.js'
import { SimCoordinator } from '../coordinator/index.js'
import { SIM_T0_MS, Simulation } from '../engine/index.js'
import { AntiEntropy, Gossip } from '../gossip/index.js'
import { SafetyChecker } from '../invariants/index.js'
import { buildTopology, Network } from '../network/index.js'
import { ArtifactSwarm, DEFAULT_SWARM } from '../swarm/index.js'
import { layoutChildren, McuGateways } from '../mcu/index.js'
import type { McuChild , loraTime} from '../mcu/index.js'
import { createHash } from 'node:crypto'
import type { ScenarioConfig } from './config.js'
import type { ManifestJson } from '../../content/manifest/index.js'
import type { TargetApp } from '../../node/agent/agent-state.js'
import type { DeploymentSpec, RolloutDevice } from '../../node/coordinator/rollout/index.js'
import type { Controller } from '../coordinator/index.js'
import type { DeviceObserver } from '../device/index.js'
import type { SimRandom } from '../engine/index.js'
import type { PlanMessage } from '../gossip/index.js'

export interface World {
  config: ScenarioConfig
  spec: DeploymentSpec
  sim: Simulation
  net: Network
  gossip: Gossip
  antiEntropy: AntiEntropy
  /** The artifact swarm every install fetches through; node 0 (the coordinator) seeds the new version. */
  swarm: ArtifactSwarm
  /** devices[i] is node i + 1 for the mesh devices; MCU children follow them (their node is their gateway's). */
  devices: Device[]
  /** Gateways and their children (scenarios with `mcu`). */
  mcu: McuGateways | undefined
  children: McuChild[]
  coordinator: SimCoordinator
  safety: SafetyChecker
  /** Plan publish → the device switched to the version it named, first time per device and version. */
  updateDelaysMs: number[]
  forgedPublished: number
}

export interface WorldOptions {
  /** The controller the coordinator runs. @default decide (the real one) */
  controller?: Controller
  /** The LoRa timing model of gateway radios; only tests that prove the checkers can fail change it. @default loraTime */
  mcuLoraTime?: typeof loraTime
}

export function deviceId (node: number): string {
  return `dev-${String(node).padStart(6, '0')}`
}

export function buildWorld (config: ScenarioConfig, options: WorldOptions = {}): World {
  const sim = new Simulation(config.seed)
  const streams = { network: sim.random.fork(), gossip: sim.random.fork(), sync: sim.random.fork(), devices: sim.random.fork(), faults: sim.random.fork(), forge: sim.random.fork() }
  const net = new Network(sim, buildTopology(config.network, streams.network), config.network, streams.network)
  const spec = parseDeploymentSpec(config.spec)
  const safety = new SafetyChecker(sim, spec, BASELINE_VERSION)
  const devices: Device[] = []
  const childrenOf = new Map<number, Device[]>()
  const gossip = new Gossip(sim, net, config.gossip, streams.gossip, {
    onPlan: (node, message) => {
      if (node === 0) return
      devices[node - 1]?.onPlan(message)
      // A gateway applies the plan for each of its children too (each checks its own cohort).
      for (const child of childrenOf.get(node) ?? []) child.onPlan(message)
    },
    onRejected: () => {}
  })
  const antiEntropy = new AntiEntropy(gossip, streams.sync)
  // The real node seeds its block order with sha256 of its peer id; the device id stands in for it.
  const rankSeedOf = (node: number): number => createHash('sha256').update(deviceId(node)).digest().readUInt32LE(0)
  const swarm = new ArtifactSwarm({ sim, net, rankSeedOf }, { ...DEFAULT_SWARM, ...config.swarm })
  // Every device runs the baseline (its store pins it); the coordinator imported the new version
  // (fleets artifact upload); nobody holds the forged one.
  swarm.define(BASELINE_VERSION, config.device.artifactBytes, 'all')
  swarm.define(spec.version, config.device.artifactBytes, [0])
  swarm.define(FORGED_VERSION, config.device.artifactBytes, [])
  const artifacts = { fetch: (node: number, version: string, done: (ok: boolean, error?: string) => void) => { swarm.fetch(node, version, done) } }

  const manifests = new Map<string, TargetApp>()
  const appSpec = simAppSpec(config.device.healthTimeoutMs)
  const manifestFor = (version: string): ManifestJson => targetFor(version).manifest
  const targetFor = (version: string): TargetApp => {
    let t = manifests.get(version)
    if (t === undefined) {
      t = { spec: appSpec, manifest: simManifest(version, config.device.artifactBytes, SIM_T0_MS) }
      manifests.set(version, t)
    }
    return t
  }

  const identities: RolloutDevice[] = []
  for (let node = 1; node < net.size; node++) {
    const groups = streams.devices.chance(config.device.untargetedFraction) ? ['lab'] : ['fleet']
    identities.push({ id: deviceId(node), labels: { site: `site-${net.topology.site[node] ?? 0}` }, groups })
  }
  const meshDevices = identities.length
  // Forked last, and only with MCUs: scenarios without them draw exactly what they drew before.
  const layout = config.mcu !== undefined
    ? layoutChildren(Array.from({ length: meshDevices }, (_, i) => i + 1), n => net.topology.site[n] ?? 0, deviceId, config.mcu, sim.random.fork())
    : { children: [], dutyOf: new Map<number, number>() }
  for (const child of layout.children) identities.push(child.identity)
  let messageIds = 0
  const nextId = (): number => ++messageIds
  const coordinator = new SimCoordinator(sim, gossip, {
    spec, devices: identities, app: simAppRecord(SIM_T0_MS), manifestFor, ...(options.controller !== undefined ? { controller: options.controller } : {}),
    onPublish: () => { safety.onPublish() }
  }, nextId)

  const updateDelaysMs: number[] = []
  const observer: DeviceObserver = {
    onApply: (device, message) => { safety.onApply(device, message) },
    onStart: (device, version) => { safety.onStart(device, version) },
    onSwitch: (device, version) => {
      safety.onSwitch(device, version)
      const current = device.current
      if (current !== undefined && current.plan.manifest?.version === version && !switched.has(device)) {
        switched.add(device)
        updateDelaysMs.push(sim.nowMs - current.publishedMs)
      }
    }
  }
  const switched = new Set<Device>()
  const selectorOf = selectorCache()
  identities.slice(0, meshDevices).forEach((identity, i) => {
    const node = i + 1
    const outbox = new ReportOutbox(node, sim, net, streams.devices, coordinator)
    devices.push(new Device({ node, identity, baseline: targetFor(BASELINE_VERSION), targets: targetFor, sim, net, params: config.device, random: streams.devices, outbox, observer, selectorOf, artifacts }))
  })
  const mcu = config.mcu !== undefined
    ? new McuGateways({ sim, net, swarm, random: streams.devices, violate: (invariant, message) => { safety.violate(invariant, message) }, ...(options.mcuLoraTime !== undefined ? { loraTime: options.mcuLoraTime } : {}) }, config.mcu, layout.dutyOf)
    : undefined
  for (const child of layout.children) {
    if (mcu === undefined || config.mcu === undefined) break
    const m = config.mcu
    // The child's reports leave through its gateway's outbox path (same node), its steps take MCU time.
    const params = { ...config.device, installVerifyMsMedian: m.validateMsMedian, startMsMedian: m.rebootMsMedian, healthyMsMedian: child.link === 'lora' ? m.loraHealthyMsMedian : m.serialHealthyMsMedian, stopMsMedian: 20 }
    const outbox = new ReportOutbox(child.gateway, sim, net, streams.devices, coordinator)
    const device = new Device({ node: child.gateway, identity: child.identity, baseline: targetFor(BASELINE_VERSION), targets: targetFor, sim, net, params, random: streams.devices, outbox, observer, selectorOf, artifacts: mcu.fetcherFor(child) })
    devices.push(device)
    childrenOf.set(child.gateway, [...childrenOf.get(child.gateway) ?? [], device])
  }
  // Back online or healed: the report sender finds the coordinator again at once.
  net.onChange(change => {
    const nodes = change.type === 'node' ? (change.online ? [change.node] : []) : (change.cut ? [] : net.topology.members[change.site] ?? [])
    for (const node of nodes) {
      devices[node - 1]?.outbox.wake()
      for (const child of childrenOf.get(node) ?? []) child.outbox.wake()
    }
  })

  config.faults(net, streams.faults, config.deployAtMs)
  const world: World = { config, spec, sim, net, gossip, antiEntropy, swarm, devices, mcu, children: layout.children, coordinator, safety, updateDelaysMs, forgedPublished: 0 }
  scheduleForgeries(world, streams.forge, nextId, targetFor(FORGED_VERSION).manifest.version)
  coordinator.startAt(sim.nowMs + config.deployAtMs)
  return world
}

/**
 * A compromised device replays the deployment's latest plan with a new seq, a 100% cohort and
 * another version, under a signature that does not verify. Honest nodes must drop it.
 */
function scheduleForgeries (world: World, random: SimRandom, nextId: () => number, version: string): void {
  const { config, sim, gossip, coordinator } = world
  const windowMs = Math.max(config.healMs, 10 * 60_000)
  for (let k = 0; k < config.forgedPlans; k++) {
    const atMs = sim.nowMs + config.deployAtMs + 30_000 + random.float() * windowMs
    const origin = 1 + random.int(Math.max(1, world.net.size - 1))
    sim.at(atMs, 'forge', origin, () => {
      const template = coordinator.published.at(-1)
      if (template === undefined || world.net.online[origin] !== 1) return
      const plan = {
        ...template.plan,
        seq: template.plan.seq + 1_000 + k,
        manifest: { ...template.plan.manifest, name: SIM_APP, version } as PlanMessage['plan']['manifest'],
        cohort: { phaseBasisPoints: [10_000], currentPhase: 0, target: 'all' }
      }
      const message: PlanMessage = { id: nextId(), plan, signatureValid: false, bytes: template.bytes, publishedMs: sim.nowMs, origin }
      world.forgedPublished++
      gossip.publish(origin, message)
    })
  }
}
