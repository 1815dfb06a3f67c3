/**
 * System metrics from Linux's own accounting: /proc/stat, /proc/meminfo, /proc/loadavg,
 * /proc/net/dev and statfs, plus Node's view of interface addresses. CPU % is a delta between
 * samples, so the sampler keeps the previous reading; everything else is read fresh each time.
 */
import { readFile, statfs } from 'node:fs/promises'
import { availableParallelism, hostname, networkInterfaces, release } from 'node:os'
import { DISK_PATH_DEFAULT } from './constants.js'
import { MetricsUnavailableError } from './errors.js'
import { parseBootTimeS, parseCpuTimes, parseLoadavg, parseMeminfo, parseNetDev, parseUptimeS } from './proc-parse.js'
import type { CpuTimes } from './proc-parse.js'
import type { LoadAverage, NetworkInterface, SystemInfo } from '../../../proto/index.js'

export interface SystemMetricsInit {
  /** A path on the filesystem whose usage is reported (the agent's storage dir, say). @default '/' */
  diskPath?: string
}

export interface SystemSample {
  systemInfo: SystemInfo
  loadAverage: LoadAverage
  /** Sorted by name. */
  interfaces: NetworkInterface[]
  /** Busy share of all CPUs together, 0-100: since the previous sample, or since boot for the first. */
  cpuPercent: number
  /** MemTotal - MemAvailable: what applications hold, not the page cache the kernel can drop. */
  memoryUsedBytes: number
  /** Blocks in use on the disk of `diskPath` (reserved blocks count as free, as in `df`'s total - free). */
  diskUsedBytes: number
}

export interface SystemMetricsSampler {
  sample (): Promise<SystemSample>
}

export function systemMetricsSampler (init: SystemMetricsInit = {}): SystemMetricsSampler {
  const diskPath = init.diskPath ?? DISK_PATH_DEFAULT
  let previous: CpuTimes = { busyTicks: 0, totalTicks: 0 }
  return {
    async sample () {
      const [procStat, meminfo, loadavg, netDev, uptime, disk] = await Promise.all([
        readProc('/proc/stat'), readProc('/proc/meminfo'), readProc('/proc/loadavg'),
        readProc('/proc/net/dev'), readProc('/proc/uptime'), statfs(diskPath)
      ])
      const cpu = parseCpuTimes(procStat)
      const elapsedTicks = cpu.totalTicks - previous.totalTicks
      const cpuPercent = elapsedTicks > 0 ? clamp(100 * (cpu.busyTicks - previous.busyTicks) / elapsedTicks, 0, 100) : 0
      previous = cpu
      const memory = parseMeminfo(meminfo)
      const uptimeS = parseUptimeS(uptime)
      const diskTotalBytes = disk.blocks * disk.bsize
      return {
        systemInfo: {
          hostname: hostname(),
          os: process.platform,
          kernel: release(),
          arch: process.arch,
          cpuCount: availableParallelism(),
          memoryTotal: memory.totalBytes,
          diskTotal: diskTotalBytes,
          uptimeSeconds: Math.floor(uptimeS),
          bootTimeMs: (parseBootTimeS(procStat) ?? 0) * 1000
        },
        loadAverage: parseLoadavg(loadavg),
        interfaces: await interfaces(netDev),
        cpuPercent,
        memoryUsedBytes: memory.totalBytes - memory.availableBytes,
        diskUsedBytes: (disk.blocks - disk.bfree) * disk.bsize
      }
    }
  }
}

/** Counters from /proc/net/dev joined with addresses from the OS, by interface name. */
async function interfaces (netDev: string): Promise<NetworkInterface[]> {
  const counters = parseNetDev(netDev)
  const addresses = networkInterfaces()
  const names = [...new Set([...counters.keys(), ...Object.keys(addresses)])].sort()
  return await Promise.all(names.map(async name => {
    const entries = addresses[name] ?? []
    const c = counters.get(name)
    return {
      name,
      mac: entries[0]?.mac ?? (await readFile(`/sys/class/net/${name}/address`, 'utf8').catch(() => '')).trim(),
      addresses: entries.map(e => e.cidr).filter(cidr => cidr != null),
      rxBytes: c?.rxBytes ?? 0,
      txBytes: c?.txBytes ?? 0,
      rxErrors: c?.rxErrors ?? 0,
      txErrors: c?.txErrors ?? 0,
      up: await isUp(name)
    }
  }))
}

/** IFF_UP (bit 0 of the interface flags): administratively up. operstate says 'unknown' for lo. */
async function isUp (name: string): Promise<boolean> {
  const flags = await readFile(`/sys/class/net/${name}/flags`, 'utf8').catch(() => '0')
  return (Number.parseInt(flags.trim(), 16) & 1) === 1
}

async function readProc (path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    throw new MetricsUnavailableError(`cannot read ${path}: system metrics need Linux's /proc`, { cause: err })
  }
}

function clamp (value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value))
}
