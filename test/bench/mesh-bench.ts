/**
 * `npm run bench:mesh`: how fast namespace hosts form a full mesh by mDNS, and what one idle
 * fleet-node costs in memory, bundled (as devices run it) and unbundled, side by side with
 * the 96 MB target (the AWS Greengrass Java nucleus minimum).
 *
 * Times come from the nodes' own log timestamps ("connected to … (k peers)"), so polling
 * overhead does not inflate them. Runs as root (network namespaces); sends nothing off-host.
 */
import { spawn } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createHostNetwork, netnsSupport } from '../support/netns-hosts.js'
import { createToken, FLEET_NODE_CLI, FLEET_NODE_UNBUNDLED_CLI, tempDir } from '../support/fleet-node-proc.js'
import type { ChildProcess } from 'node:child_process'

const SIZES = (process.env.BENCH_SIZES ?? '6,20').split(',').map(Number)
const MESH_DEADLINE_MS = 180_000
const IDLE_SETTLE_MS = 15_000
const RSS_TARGET_MB = 96

interface MeshRun { hosts: number, allListeningMs: number, fullMeshMs: number, medianNodeMs: number, allAnnouncedMs: number, rssMb: number[] }

function parseTimes (lines: string[], startMs: number, peersWanted: number): { listeningMs?: number, meshMs?: number, announcedMs?: number } {
  let listeningMs: number | undefined
  let meshMs: number | undefined
  let announced = 0
  let announcedMs: number | undefined
  for (const line of lines) {
    const ts = Date.parse(line.replace(/^!/, '').slice(0, 24))
    if (Number.isNaN(ts)) continue
    if (listeningMs == null && line.includes(' joined fleet ')) listeningMs = ts - startMs
    const m = / connected to \S+ \((\d+) peers\)/.exec(line)
    if (meshMs == null && m != null && Number(m[1]) >= peersWanted) meshMs = ts - startMs
    if (line.includes(' announced itself') && ++announced === peersWanted) announcedMs = ts - startMs
  }
  return { listeningMs, meshMs, announcedMs }
}

async function rssMb (pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid ?? 0}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024
}

/** The full log (the in-memory ring keeps only the last lines). */
async function readLog (path: string): Promise<string[]> {
  return (await readFile(path, 'utf8').catch(() => '')).split('\n')
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

async function meshRun (hosts: number, subnetIndex: number): Promise<MeshRun> {
  const network = await createHostNetwork({ count: hosts, prefix: 'bench', subnetIndex })
  const dir = await tempDir(`bench-${hosts}`)
  const token = await createToken(join(dir, 'fleet.db'))
  const children: ChildProcess[] = []
  try {
    await rm('test-output/bench-mesh', { recursive: true, force: true })
    const startMs = Date.now()
    for (const host of network.hosts) {
      children.push(host.spawn(process.execPath, [FLEET_NODE_CLI, 'join', '--storage-dir', join(dir, host.name), '--rpc-port', '0', '--name', host.name],
        { env: { FLEETD_TOKEN: token }, tee: `bench-mesh/${hosts}-${host.name}.log` }))
    }
    const deadline = Date.now() + MESH_DEADLINE_MS
    let times = network.hosts.map(() => parseTimes([], startMs, hosts - 1))
    while (Date.now() < deadline) {
      times = await Promise.all(network.hosts.map(async (h) => parseTimes(await readLog(`test-output/bench-mesh/${hosts}-${h.name}.log`), startMs, hosts - 1)))
      if (times.every(t => t.meshMs != null && t.announcedMs != null)) break
      await sleep(500)
    }
    if (!times.every(t => t.meshMs != null)) throw new Error(`no full mesh of ${hosts} hosts within ${MESH_DEADLINE_MS} ms`)
    await sleep(IDLE_SETTLE_MS)
    const rss = await Promise.all(children.map(async c => await rssMb(c.pid)))
    const mesh = times.map(t => t.meshMs ?? NaN)
    return {
      hosts,
      allListeningMs: Math.max(...times.map(t => t.listeningMs ?? NaN)),
      fullMeshMs: Math.max(...mesh),
      medianNodeMs: median(mesh),
      allAnnouncedMs: Math.max(...times.map(t => t.announcedMs ?? NaN)),
      rssMb: rss
    }
  } finally {
    await network.destroy()
  }
}

async function idleRss (cli: string): Promise<{ rssMb: number, hwmMb: number }> {
  const dir = await tempDir('bench-rss')
  const child = spawn(process.execPath, [cli, 'join', '--storage-dir', dir, '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--rpc-port', '0'], { stdio: 'ignore' })
  try {
    await sleep(IDLE_SETTLE_MS)
    const status = await readFile(`/proc/${child.pid ?? 0}/status`, 'utf8')
    const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024
    return { rssMb: kb('VmRSS'), hwmMb: kb('VmHWM') }
  } finally {
    child.kill('SIGTERM')
  }
}

const fmt = (ms: number): string => `${(ms / 1000).toFixed(1)} s`
const mb = (x: number): string => `${x.toFixed(1)} MB`

console.log(`fleet-node mesh benchmark — node ${process.versions.node}, ${new Date().toISOString()}`)
console.log('\nidle RSS of one fleet-node (loopback, mDNS off, 15 s after start)')
const bundled = await idleRss(FLEET_NODE_CLI)
const unbundled = await idleRss(FLEET_NODE_UNBUNDLED_CLI)
console.log(`  build       RSS        peak       vs ${RSS_TARGET_MB} MB target`)
console.log(`  bundled     ${mb(bundled.rssMb).padEnd(10)} ${mb(bundled.hwmMb).padEnd(10)} ${(bundled.rssMb / RSS_TARGET_MB).toFixed(2)}×`)
console.log(`  unbundled   ${mb(unbundled.rssMb).padEnd(10)} ${mb(unbundled.hwmMb).padEnd(10)} ${(unbundled.rssMb / RSS_TARGET_MB).toFixed(2)}×`)
console.log(`  bundled / unbundled: ${(bundled.rssMb / unbundled.rssMb).toFixed(2)}×`)

const support = await netnsSupport()
if (!support.ok) {
  console.log(`\nmesh formation skipped: ${support.reason}`)
} else {
  console.log('\ntime from spawning all nodes at once to … (mDNS on, namespace hosts on one bridge, bundled build)')
  console.log('  hosts  all listening  full mesh (last)  full mesh (median)  all announcements heard  idle RSS median / max in mesh')
  for (const [i, size] of SIZES.entries()) {
    const r = await meshRun(size, 200 + i)
    console.log(`  ${String(r.hosts).padEnd(6)} ${fmt(r.allListeningMs).padEnd(14)} ${fmt(r.fullMeshMs).padEnd(17)} ${fmt(r.medianNodeMs).padEnd(19)} ${fmt(r.allAnnouncedMs).padEnd(24)} ${mb(median(r.rssMb))} / ${mb(Math.max(...r.rssMb))}`)
    console.log(`         mesh formation after the last node listened: ${fmt(r.fullMeshMs - r.allListeningMs)}`)
  }
}
