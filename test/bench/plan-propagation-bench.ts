/**
 * `npm run bench:plans`: how long a signed deployment plan takes from the coordinator to every
 * device, on 20 namespace hosts side by side with the same measurement on 5 (the baseline),
 * plus the catch-up of a host that was cut off while a plan was published.
 *
 * A sample is one (device, plan) pair: the plan's issuedMs (the coordinator's clock when it
 * built the plan, read back from `fleet-node plans --json`) to the time the device logged
 * `plan <dep>#<seq> accepted from <peer> (gossip|sync)`. Both are wall clock of this machine,
 * so no clock skew enters; log times have millisecond resolution. The coordinator's own
 * `plan #N published` line stands in for a seq whose issuedMs no device still holds.
 *
 * The plans are the phases of one canary deployment of the http-app fixture to every device,
 * each phase waiting for a promote: the bench publishes the next plan once every device has
 * the previous one. Every device receives every plan; only the few in a phase's small cohort
 * restart their app, so the load of applying (which on a loaded 2-core machine tore the mesh
 * apart when all 20 devices restarted at once) stays out of the propagation figure.
 *
 * Runs as root (network namespaces); mDNS is off and nothing leaves the machine. Namespaces
 * are removed on exit, on error and on Ctrl-C.
 */
import { cpus, loadavg } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { netnsSupport } from '../support/netns-hosts.js'
import { startBenchFleet } from './plan-bench-fleet.js'
import type { BenchFleet } from './plan-bench-fleet.js'
import type { HostNetwork } from '../support/netns-hosts.js'

/** Devices of the measured fleet; bench:calibrate asks for fewer when a loaded machine cannot start 20. */
const DEVICES = Number(process.env.BENCH_PLANS_DEVICES ?? 20)
const BASELINE_DEVICES = 5
/** Plans measured per fleet size (canary phases); env BENCH_PLANS_PHASES overrides. */
const PHASES = Number(process.env.BENCH_PLANS_PHASES ?? 5)
/**
 * Cumulative canary percentages: PHASES measured plans, one for the partition, then 100 %
 * (never reached). Small steps keep app restarts (the load of applying) to a device or two per plan.
 */
const PERCENTS = [...Array.from({ length: PHASES + 1 }, (_, i) => 5 * (i + 1)), 100]
const VERSION = '1.0.0'
/** How long after the plan's publication the cut-off host stays cut off. */
const PARTITION_MS = 10_000
/** Past this a plan counts as not arrived at a device (reported, not fatal). */
const ACCEPT_TIMEOUT_MS = 60_000
/** Before each publish, wait this long at most for the coordinator to be connected to every device. */
const MESH_WHOLE_TIMEOUT_MS = 30_000
/** Anti-entropy runs every 30 s (±50 %) and the engine re-gossips every 30 s: two rounds and then some. */
const HEAL_TIMEOUT_MS = 90_000

interface Sample { delayMs: number, source: string, relayed: boolean, fromPublishLog: boolean }
interface RunResult {
  devices: number
  samples: Sample[]
  /** (device, plan) pairs that had not arrived ACCEPT_TIMEOUT_MS after publication. */
  missing: number
  gossipPeers: number[]
  /** Devices connected to the coordinator just before each publish. */
  connectedAtPublish: number[]
  /** Peer counts of the devices (from their logs) after the last plan. */
  devicePeers: number[]
  disconnects: number
  signPublishMs: number[]
  load1: number[]
}
interface PartitionResult {
  /** From publication to the moment `ip link set up` returned. */
  cutAfterPublishMs: number
  healToAcceptMs: number
  issuedToAcceptMs: number
  source: string
  /** Whether the cut-off device's connection to the coordinator was dropped and redialled (rather than resumed). */
  redialled: boolean
  othersP99Ms: number
}

const percentile = (xs: number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN
}
const devicesOf = (fleet: BenchFleet): number[] => Array.from({ length: fleet.devices }, (_, d) => d)
const seqsOf = (fleet: BenchFleet, id: string): number[] =>
  [...fleet.published.keys()].filter(k => k.startsWith(`${id}#`)).map(k => Number(k.slice(id.length + 1)))

/** One canary deployment whose phases wait for `promote`: each promote publishes the next plan. */
async function createDeployment (fleet: BenchFleet): Promise<string> {
  const created = await fleet.api<{ id: string }>('POST', '/deployments', {
    app: 'http-app', version: VERSION, target: 'all', strategy: 'canary', minSamples: 1,
    phases: PERCENTS.map(percent => ({ percent, durationMs: 600_000, validation: 'manual' }))
  })
  return created.id
}

/** Publishes the next plan of `id` (creating the deployment publishes the first); resolves with its seq. */
async function publishNext (fleet: BenchFleet, id: string | undefined): Promise<{ id: string, seq: number }> {
  const before = id == null ? 0 : seqsOf(fleet, id).length
  if (id == null) id = await createDeployment(fleet)
  else await fleet.api('POST', `/deployments/${id}/promote`, { reason: 'bench:plans' })
  const dep = id
  const seq = await fleet.until(`plan ${before + 1} of ${dep} to be published`, () => {
    const seqs = seqsOf(fleet, dep)
    return seqs.length > before ? Math.max(...seqs) : undefined
  }, 30_000)
  return { id: dep, seq }
}

/** Until every device in `devices` accepted `id#seq` (or a later one); resolves with those that did not in time. */
async function waitAccepted (fleet: BenchFleet, id: string, seq: number, devices: number[]): Promise<number[]> {
  const lacking = (): number[] => devices.filter(d => fleet.accepted[d]?.some(e => e.deploymentId === id && e.seq >= seq) !== true)
  await fleet.until(`${devices.length} devices to accept ${id}#${seq}`, () => lacking().length === 0 ? true : undefined, ACCEPT_TIMEOUT_MS).catch(() => {})
  return lacking()
}

/** Waits (bounded) for the coordinator to be connected to every device; resolves with how many it is connected to. */
async function meshWhole (fleet: BenchFleet): Promise<number> {
  let connected = 0
  await fleet.until('the coordinator to be connected to every device', async () => {
    connected = await fleet.coordinatorConnections()
    return connected >= fleet.devices ? true : undefined
  }, MESH_WHOLE_TIMEOUT_MS).catch(() => {})
  return connected
}

/** Records the issuedMs of the plans of `id` that device `d` holds (the newest seq of each deployment). */
async function recordIssued (fleet: BenchFleet, id: string, d: number, issued: Map<string, number>): Promise<void> {
  for (const p of (await fleet.plansOf(d)).plans) if (p.deploymentId === id) issued.set(`${id}#${p.seq}`, p.issuedMs)
}

function samplesOf (fleet: BenchFleet, keys: Set<string>, issued: Map<string, number>, devices = devicesOf(fleet)): Sample[] {
  return devices.flatMap(d => fleet.accepted[d] ?? []).filter(e => keys.has(`${e.deploymentId}#${e.seq}`)).map(e => {
    const key = `${e.deploymentId}#${e.seq}`
    const start = issued.get(key) ?? fleet.published.get(key)?.atMs ?? NaN
    return { delayMs: e.atMs - start, source: e.source, relayed: e.from !== fleet.coordinatorPeer, fromPublishLog: !issued.has(key) }
  })
}

async function measure (fleet: BenchFleet): Promise<{ run: RunResult, id: string }> {
  const issued = new Map<string, number>()
  const keys = new Set<string>()
  const load1: number[] = [loadavg()[0] ?? NaN]
  const connectedAtPublish: number[] = []
  const disconnectsBefore = fleet.mesh.reduce((n, m) => n + m.disconnects, 0)
  let id: string | undefined
  let missing = 0
  for (let phase = 0; phase < PHASES; phase++) {
    connectedAtPublish.push(await meshWhole(fleet))
    const plan = await publishNext(fleet, id)
    id = plan.id
    keys.add(`${plan.id}#${plan.seq}`)
    const lacking = await waitAccepted(fleet, plan.id, plan.seq, devicesOf(fleet))
    missing += lacking.length
    await recordIssued(fleet, plan.id, 0, issued)
    load1.push(loadavg()[0] ?? NaN)
    process.stdout.write(`  ${fleet.devices} devices: ${plan.id}#${plan.seq} (${PERCENTS[phase]}%)${lacking.length > 0 ? `; not arrived within ${ACCEPT_TIMEOUT_MS / 1000} s at ${lacking.map(d => `h${d + 1}`).join(',')}` : ''}\n`)
  }
  if (id == null) throw new Error('no plan was measured (BENCH_PLANS_PHASES must be at least 1)')
  const published = [...keys].filter(k => issued.has(k) && fleet.published.has(k))
  return {
    id,
    run: {
      devices: fleet.devices,
      samples: samplesOf(fleet, keys, issued),
      missing,
      gossipPeers: [...keys].map(k => fleet.published.get(k)?.gossipPeers ?? NaN),
      connectedAtPublish,
      devicePeers: fleet.mesh.map(m => m.peers),
      disconnects: fleet.mesh.reduce((n, m) => n + m.disconnects, 0) - disconnectsBefore,
      signPublishMs: published.map(k => (fleet.published.get(k)?.atMs ?? NaN) - (issued.get(k) ?? NaN)),
      load1
    }
  }
}

/** The last device is cut off, the next plan of `id` is published, PARTITION_MS later the link comes back. */
async function measurePartition (fleet: BenchFleet, id: string): Promise<PartitionResult> {
  const cut = fleet.devices - 1
  const others = devicesOf(fleet).filter(d => d !== cut)
  await meshWhole(fleet)
  const disconnectsBefore = fleet.mesh[cut]?.disconnects ?? 0
  await fleet.host(cut + 1).linkDown()
  const plan = await publishNext(fleet, id)
  const key = `${id}#${plan.seq}`
  await waitAccepted(fleet, id, plan.seq, others)
  const issued = new Map<string, number>()
  await recordIssued(fleet, id, 0, issued)
  const publishedMs = fleet.published.get(key)?.atMs ?? NaN
  await sleep(Math.max(0, publishedMs + PARTITION_MS - Date.now()))
  const early = fleet.accepted[cut]?.some(e => e.deploymentId === id && e.seq >= plan.seq) === true
  await fleet.host(cut + 1).linkUp()
  const healMs = Date.now()
  const event = await fleet.until(`h${cut + 1} to catch up on ${key} after the link came back`, () =>
    fleet.accepted[cut]?.find(e => e.deploymentId === id && e.seq >= plan.seq), HEAL_TIMEOUT_MS)
  if (early) throw new Error(`h${cut + 1} accepted ${key} while its link was down: the partition did not cut it off`)
  return {
    cutAfterPublishMs: healMs - publishedMs,
    healToAcceptMs: event.atMs - healMs,
    issuedToAcceptMs: event.atMs - (issued.get(`${id}#${event.seq}`) ?? NaN),
    source: event.source,
    redialled: (fleet.mesh[cut]?.disconnects ?? 0) > disconnectsBefore,
    othersP99Ms: percentile(samplesOf(fleet, new Set([key]), issued, others).map(s => s.delayMs), 99)
  }
}

async function runFleet (devices: number, label: string, networks: Set<HostNetwork>, partition: boolean): Promise<{ run: RunResult, partition?: PartitionResult }> {
  const startedMs = Date.now()
  const fleet = await startBenchFleet({ devices, versions: [VERSION], label, onNetwork: n => networks.add(n) })
  try {
    process.stdout.write(`${devices} devices online after ${((Date.now() - startedMs) / 1000).toFixed(1)} s (load ${loadavg()[0]?.toFixed(2)})\n`)
    const { run, id } = await measure(fleet)
    return { run, ...(partition ? { partition: await measurePartition(fleet, id) } : {}) }
  } finally {
    await fleet.destroy()
    networks.delete(fleet.network)
  }
}

const fmt = (x: number): string => Number.isFinite(x) ? String(Math.round(x)) : '-'
const ratio = (a: number, b: number): string => Number.isFinite(a / b) && b !== 0 ? `${(a / b).toFixed(2)}×` : '-'

function report (main: RunResult, base: RunResult, partition: PartitionResult | undefined): void {
  const row = (name: string, a: string, b: string, r = ''): string => `${name.padEnd(40)}${a.padStart(14)}${b.padStart(14)}${r.padStart(10)}`
  const stat = (name: string, p: number): string => {
    const a = percentile(main.samples.map(s => s.delayMs), p)
    const b = percentile(base.samples.map(s => s.delayMs), p)
    return row(name, fmt(a), fmt(b), ratio(a, b))
  }
  const count = (r: RunResult, f: (s: Sample) => boolean): string => `${r.samples.filter(f).length}/${r.samples.length}`
  const range = (xs: number[], digits = 0): string => `${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}`
  const lines = [
    '',
    `plan propagation, issuedMs → device accepted; ${PHASES} canary phase plans per fleet (${PERCENTS.slice(0, PHASES).join(', ')} %), each published by a promote`,
    row('', `${main.devices} devices`, `${base.devices} (base)`, 'ratio'),
    row('(device, plan) pairs arrived', String(main.samples.length), String(base.samples.length)),
    row(`not arrived within ${ACCEPT_TIMEOUT_MS / 1000} s`, String(main.missing), String(base.missing)),
    stat('p50 ms', 50), stat('p95 ms', 95), stat('p99 ms', 99), stat('max ms', 100),
    row('arrived by gossip', count(main, s => s.source === 'gossip'), count(base, s => s.source === 'gossip')),
    row('arrived by anti-entropy sync', count(main, s => s.source === 'sync'), count(base, s => s.source === 'sync')),
    row('relayed by a device (not the coordinator)', count(main, s => s.relayed), count(base, s => s.relayed)),
    row('timed from the publish log (no issuedMs)', count(main, s => s.fromPublishLog), count(base, s => s.fromPublishLog)),
    row('devices connected to coordinator, publish', range(main.connectedAtPublish), range(base.connectedAtPublish)),
    row('coordinator gossip peers at publish', range(main.gossipPeers), range(base.gossipPeers)),
    row('peers of each device (min-max)', range(main.devicePeers), range(base.devicePeers)),
    row('connections lost during the plans', String(main.disconnects), String(base.disconnects)),
    row('coordinator sign+publish ms (median)', fmt(percentile(main.signPublishMs, 50)), fmt(percentile(base.signPublishMs, 50))),
    row('load average (1 min), min-max', range(main.load1, 1), range(base.load1, 1)),
    `machine: ${cpus().length} cores; other agents share it, so the load average above is part of the figure`
  ]
  if (partition != null) {
    lines.push('', `partition: h${main.devices} cut off (eth0 down) while a plan was published; link back up ${fmt(partition.cutAfterPublishMs)} ms after publication (asked for ${PARTITION_MS / 1000} s)`,
      `  link up → h${main.devices} accepted: ${fmt(partition.healToAcceptMs)} ms (by ${partition.source}; its connection to the coordinator was ${partition.redialled ? 'dropped and redialled' : 'resumed, not redialled'})`,
      `  issued → h${main.devices} accepted: ${fmt(partition.issuedToAcceptMs)} ms; the other ${main.devices - 1} hosts: p99 ${fmt(partition.othersP99Ms)} ms`)
  }
  const all = main.samples.map(s => s.delayMs)
  lines.push('', `plan propagation to ${main.devices} hosts: p50 ${fmt(percentile(all, 50))} ms, p99 ${fmt(percentile(all, 99))} ms`)
  process.stdout.write(lines.join('\n') + '\n')
}

async function main (): Promise<void> {
  const support = await netnsSupport()
  if (!support.ok) throw new Error(`bench:plans needs network namespaces: ${support.reason}`)
  const networks = new Set<HostNetwork>()
  const cleanup = async (): Promise<void> => { await Promise.all([...networks].map(async n => { await n.destroy() })) }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: removing the namespaces\n`)
      void cleanup().finally(() => process.exit(130))
    })
  }
  process.stdout.write(`bench:plans on ${cpus().length} cores, load average ${loadavg().map(x => x.toFixed(2)).join(' ')}; logs in test-output/bench-plans/\n`)
  try {
    const big = await runFleet(DEVICES, 'plans20', networks, true)
    const base = await runFleet(BASELINE_DEVICES, 'plans5', networks, false)
    report(big.run, base.run, big.partition)
  } finally {
    await cleanup()
  }
}

const startedMs = Date.now()
main().then(() => {
  process.stdout.write(`done in ${((Date.now() - startedMs) / 1000).toFixed(0)} s, load average ${loadavg().map(x => x.toFixed(2)).join(' ')}\n`)
  process.exit(0)
}, (err: unknown) => {
  process.stderr.write(`bench:plans failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
