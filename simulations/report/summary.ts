/** The CLI's human summary of a report: a few aligned lines, failures first. */
import type { Distribution } from '../engine/index.js'
import type { SimReport } from './build-report.js'

const s = (ms: number | null): string => ms === null || Number.isNaN(ms) ? '-' : ms >= 10_000 ? `${(ms / 1_000).toFixed(1)} s` : `${Math.round(ms)} ms`
const dist = (d: Distribution): string => d.count === 0 ? '-' : `p50 ${s(d.p50)}  p90 ${s(d.p90)}  p99 ${s(d.p99)}  max ${s(d.max)}  (n=${d.count})`

export function formatSummary (r: SimReport): string {
  const lines = [
    `scenario ${r.scenario}  nodes ${r.nodes}  seed ${r.seed}: ${r.ok ? 'PASS' : 'FAIL'}`,
    `deployment     ${r.deployment.status}; plans ${r.deployment.plansPublished}, decisions ${r.deployment.decisions} (${s(r.deployment.controllerWallMs)} wall in the controller), reports ${r.deployment.reportsReceived}; converged at ${s(r.deployment.convergedMs)}`,
    `timeline       ${r.deployment.timeline.map(m => `${s(m.atMs)} ${m.event}`).join(' → ')}`,
    `time-to-update ${dist(r.timeToUpdateMs)}`,
    `rollback       ${r.deployment.rollbackMs === null ? '-' : `${s(r.deployment.rollbackMs)} (started at ${s(r.deployment.rollbackStartedMs)})`}`,
    `gossip delay   ${dist(r.gossipDelayMs)}`,
    `via sync       ${dist(r.syncDelayMs)}`,
    `network        ${r.network.messages} messages, ${(r.network.bytes / 2 ** 20).toFixed(1)} MiB, ${r.network.dropped} dropped, ${r.network.retransmissions} retransmitted; anti-entropy ${r.antiEntropy.syncs} syncs`,
    `swarm          fetches ${dist(r.swarm.fetchMs)}, ${r.swarm.fetchesFailed} failed; ${r.swarm.blocksPerArtifact} blocks of ${Math.round(r.swarm.blockBytes / 1024)} KiB; coordinator uploaded ${r.swarm.seedCopies} copies`,
    ...r.swarm.waves.map(w => `  wave ${w.key}  ${w.fetchers} fetchers${w.failed > 0 ? ` (${w.failed} failed)` : ''}, ${w.seeds} seed(s): all done in ${s(w.distributionMs)} vs fluid bound ${s(w.boundMs)} (×${w.ratio})`),
    ...(r.mcu === null
      ? []
      : [`mcu            ${r.mcu.gateways} gateways, ${r.mcu.children.serial} serial + ${r.mcu.children.lora} LoRa children; ${r.mcu.transfers} transfers, ${r.mcu.failedTransfers} cut off, ${r.mcu.resumed} resumed; LoRa radio busy at most ${(100 * r.mcu.loraDutyMax).toFixed(2)}%`,
          `  serial image ${dist(r.mcu.serialTransferMs)}`,
          `  LoRa image   ${dist(r.mcu.loraTransferMs)}`]),
    `forged plans   ${r.forgedPlansPublished} published, ${String(r.gossip.rejected)} rejections`,
    `engine         ${r.events} events in ${s(r.wallMs)} wall (${r.eventsPerSecond} events/s), ${s(r.cpuMs)} CPU, ${s(r.simulatedMs)} simulated, peak RSS ${r.peakRssMiB} MiB`,
    `trace hash     ${r.traceHash}`
  ]
  if (!r.ok) {
    lines.push(`${r.violationCount} invariant violation(s):`)
    for (const v of r.violations.slice(0, 10)) lines.push(`  [${v.kind}] ${v.invariant} at ${s(v.atMs)}: ${v.message}`)
    lines.push(r.reproduce)
  }
  return lines.join('\n')
}
