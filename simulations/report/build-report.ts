/**
 * The JSON report of one run: what the CLI prints and writes, and what the HTML page plots.
 * Times are virtual ms since the start unless named `wall`.
 */
import { SIM_T0_MS, summarize } from '../engine/index.js'
import type { Distribution } from '../engine/index.js'
import type { Violation } from '../invariants/index.js'
import { distributionWaves } from '../swarm/index.js'
import type { DistributionWave, SwarmStats } from '../swarm/index.js'
import type { ProgressSample, RunResult } from '../scenarios/index.js'

export interface PhaseMark { atMs: number, event: string, status: string, phase: number }

export interface SimReport {
  scenario: string
  seed: number
  nodes: number
  ok: boolean
  reproduce: string
  traceHash: string
  events: number
  eventsPerSecond: number
  wallMs: number
  /** CPU ms of the run (user + system); events/s per CPU second is `events / cpuMs × 1000`. */
  cpuMs: number
  peakRssMiB: number
  simulatedMs: number
  deployment: {
    id: string
    status: string
    startedMs: number | null
    rollbackStartedMs: number | null
    /** rollback-started → rolled-back (the controller's view, from persisted reports). */
    rollbackMs: number | null
    /** Virtual time when every liveness condition held. */
    convergedMs: number | null
    plansPublished: number
    decisions: number
    /** Wall ms inside the rollout controller, all decisions together. */
    controllerWallMs: number
    reportsReceived: number
    timeline: PhaseMark[]
  }
  timeToUpdateMs: Distribution
  gossipDelayMs: Distribution
  /** Plans that reached a node by anti-entropy instead (it missed the gossip). */
  syncDelayMs: Distribution
  bytesPerNode: { sent: Distribution, received: Distribution }
  network: { messages: number, bytes: number, dropped: number, retransmissions: number }
  gossip: Record<string, unknown>
  antiEntropy: { syncs: number, failures: number }
  /** The artifact swarm: fetch times, each wave of fetches against its fluid bound, the seed's share. */
  swarm: {
    blocksPerArtifact: number
    blockBytes: number
    fetchMs: Distribution
    fetchesFailed: number
    waves: DistributionWave[]
    /** Copies of the new version the coordinator (the only initial seed) uploaded. */
    seedCopies: number
    stats: SwarmStats
  }
  /** MCU children behind gateways (null without them). */
  mcu: {
    gateways: number
    children: { serial: number, lora: number }
    transfers: number
    failedTransfers: number
    resumed: number
    serialTransferMs: Distribution
    loraTransferMs: Distribution
    /** Highest share of time any LoRa radio transmitted during a transfer. */
    loraDutyMax: number
  } | null
  forgedPlansPublished: number
  violationCount: number
  violations: Violation[]
  /** Raw samples for the plots (sorted), capped so the report stays small. */
  samples: { timeToUpdateMs: number[], gossipDelayMs: number[], bytesReceived: number[] }
  /** Devices on the new version, updating and offline, every 5 s of virtual time. */
  progress: ProgressSample[]
}

/** Points kept per plotted distribution. */
const SAMPLES_MAX = 2_000

function thin (values: readonly number[]): number[] {
  const sorted = Float64Array.from(values).sort()
  if (sorted.length <= SAMPLES_MAX) return Array.from(sorted, v => Math.round(v))
  return Array.from({ length: SAMPLES_MAX }, (_, i) => Math.round(sorted[Math.floor((i * (sorted.length - 1)) / (SAMPLES_MAX - 1))] as number))
}

export function buildReport (result: RunResult, peakRssBytes: number): SimReport {
  const { world } = result
  const { sim, net, gossip, coordinator, config } = world
  const audits = coordinator.audits
  const rel = (ms: number): number => Math.round(ms - SIM_T0_MS)
  const started = audits.find(a => a.event === 'started')
  const rbStart = audits.find(a => a.event === 'rollback-started')
  const rbDone = audits.find(a => a.event === 'rolled-back')
  const deviceBytes = (arr: Float64Array): number[] => Array.from(arr.subarray(1))
  return {
    scenario: config.name,
    seed: config.seed,
    nodes: config.nodes,
    ok: result.ok,
    reproduce: result.reproduce,
    traceHash: sim.trace.hex(),
    events: sim.eventsRun,
    eventsPerSecond: Math.round(sim.eventsRun / Math.max(result.wallMs / 1_000, 1e-3)),
    wallMs: Math.round(result.wallMs),
    cpuMs: Math.round(result.cpuMs),
    peakRssMiB: Math.round(peakRssBytes / 2 ** 20),
    simulatedMs: Math.round(sim.elapsedMs),
    deployment: {
      id: world.spec.id,
      status: coordinator.state.status,
      startedMs: started !== undefined ? rel(started.atMs) : null,
      rollbackStartedMs: rbStart !== undefined ? rel(rbStart.atMs) : null,
      rollbackMs: rbStart !== undefined && rbDone !== undefined ? Math.round(rbDone.atMs - rbStart.atMs) : null,
      convergedMs: result.convergedMs ?? null,
      plansPublished: coordinator.published.length,
      decisions: coordinator.decisions,
      controllerWallMs: Math.round(coordinator.controllerWallMs),
      reportsReceived: coordinator.reportsReceived,
      timeline: audits.map(a => ({ atMs: rel(a.atMs), event: a.event, status: a.status, phase: a.phase }))
    },
    timeToUpdateMs: summarize(world.updateDelaysMs),
    gossipDelayMs: summarize(gossip.deliveryDelaysMs),
    syncDelayMs: summarize(gossip.syncDelaysMs),
    bytesPerNode: { sent: summarize(deviceBytes(net.bytesSent)), received: summarize(deviceBytes(net.bytesReceived)) },
    network: { ...net.stats },
    gossip: { ...gossip.stats },
    antiEntropy: { syncs: world.antiEntropy.syncs, failures: world.antiEntropy.syncFailures },
    swarm: swarmSection(result),
    mcu: world.mcu === undefined
      ? null
      : {
          gateways: new Set(world.children.map(c => c.gateway)).size,
          children: { serial: world.children.filter(c => c.link === 'serial').length, lora: world.children.filter(c => c.link === 'lora').length },
          transfers: world.mcu.stats.transfers,
          failedTransfers: world.mcu.stats.failedTransfers,
          resumed: world.mcu.stats.resumed,
          serialTransferMs: summarize(world.mcu.stats.serialMs),
          loraTransferMs: summarize(world.mcu.stats.loraMs),
          loraDutyMax: Math.round(world.mcu.stats.loraDutyMax * 10_000) / 10_000
        },
    forgedPlansPublished: world.forgedPublished,
    violationCount: result.violationCount,
    violations: result.violations,
    samples: { timeToUpdateMs: thin(world.updateDelaysMs), gossipDelayMs: thin(gossip.deliveryDelaysMs), bytesReceived: thin(deviceBytes(net.bytesReceived)) },
    progress: result.progress
  }
}

function swarmSection (result: RunResult): SimReport['swarm'] {
  const { swarm, spec, net, config } = result.world
  const shape = swarm.shape(spec.version)
  const done = swarm.fetches.filter(f => f.ok === true)
  const holders = (key: string): number[] => key === spec.version ? [0] : []
  return {
    blocksPerArtifact: shape?.blocks ?? 0,
    blockBytes: Math.round(shape?.blockBytes ?? 0),
    fetchMs: summarize(done.map(f => (f.endMs as number) - f.startMs)),
    fetchesFailed: swarm.fetches.filter(f => f.ok === false).length,
    waves: distributionWaves(swarm.fetches, () => config.device.artifactBytes, net.topology, holders)
      .map(w => ({ ...w, distributionMs: Math.round(w.distributionMs), boundMs: Math.round(w.boundMs), ratio: Math.round(w.ratio * 100) / 100 })),
    seedCopies: Math.round(((swarm.uploaded.get(spec.version)?.[0] ?? 0) / config.device.artifactBytes) * 100) / 100,
    stats: { ...swarm.stats }
  }
}
