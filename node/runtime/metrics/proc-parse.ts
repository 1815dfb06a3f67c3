/**
 * Pure parsers of the /proc files metrics come from (proc(5)). Kept apart from the file reads
 * so every format quirk (a command name with spaces and parentheses, a kernel without
 * MemAvailable) is tested on fixed text.
 */
import type { LoadAverage } from '../../../proto/index.js'

/** Aggregate CPU time since boot, in clock ticks. */
export interface CpuTimes { busyTicks: number, totalTicks: number }

/** The `cpu` line of /proc/stat. Guest time is already inside user time, so it is not added again. */
export function parseCpuTimes (procStat: string): CpuTimes {
  const line = procStat.split('\n').find(l => l.startsWith('cpu '))
  if (line === undefined) throw new Error('/proc/stat has no aggregate cpu line')
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] =
    line.trim().split(/\s+/).slice(1).map(Number)
  const totalTicks = user + nice + system + idle + iowait + irq + softirq + steal
  return { busyTicks: totalTicks - idle - iowait, totalTicks }
}

/** `btime` of /proc/stat: boot time in seconds since the epoch. */
export function parseBootTimeS (procStat: string): number | undefined {
  const match = /^btime\s+(\d+)$/m.exec(procStat)
  return match == null ? undefined : Number(match[1])
}

export interface MemInfo { totalBytes: number, availableBytes: number }

/**
 * MemTotal and MemAvailable of /proc/meminfo (kB, which the kernel means as KiB). Kernels
 * before 3.14 lack MemAvailable: free + buffers + cached approximates it there.
 */
export function parseMeminfo (text: string): MemInfo {
  const kib = (key: string): number | undefined => {
    const match = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)
    return match == null ? undefined : Number(match[1]) * 1024
  }
  const totalBytes = kib('MemTotal')
  if (totalBytes === undefined) throw new Error('/proc/meminfo has no MemTotal')
  const availableBytes = kib('MemAvailable') ?? (kib('MemFree') ?? 0) + (kib('Buffers') ?? 0) + (kib('Cached') ?? 0)
  return { totalBytes, availableBytes }
}

/** The three load averages of /proc/loadavg (`0.52 0.58 0.59 1/467 12345`). */
export function parseLoadavg (text: string): LoadAverage {
  const [load1 = 0, load5 = 0, load15 = 0] = text.trim().split(/\s+/).slice(0, 3).map(Number)
  return { load1, load5, load15 }
}

export interface InterfaceCounters { rxBytes: number, rxErrors: number, txBytes: number, txErrors: number }

/**
 * Per-interface counters of /proc/net/dev. After the two header lines each line is
 * `name: rx_bytes rx_packets rx_errs ... (8 fields) tx_bytes tx_packets tx_errs ...`.
 */
export function parseNetDev (text: string): Map<string, InterfaceCounters> {
  const counters = new Map<string, InterfaceCounters>()
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':')
    if (colon < 0) continue
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number)
    counters.set(line.slice(0, colon).trim(), { rxBytes: f[0] ?? 0, rxErrors: f[2] ?? 0, txBytes: f[8] ?? 0, txErrors: f[10] ?? 0 })
  }
  return counters
}

/** Seconds since boot, the first number of /proc/uptime. */
export function parseUptimeS (text: string): number {
  return Number(text.trim().split(/\s+/)[0])
}

export interface PidStat {
  /** R, S, D, Z, T... */
  state: string
  /** User and system CPU time, clock ticks. */
  cpuTicks: number
  /** Start time since boot, clock ticks; with the pid it names one process for good. */
  startTicks: number
}

/**
 * /proc/<pid>/stat. The command name (field 2) is in parentheses and may itself contain
 * spaces and parentheses, so fields are counted after the last ')'.
 */
export function parsePidStat (text: string): PidStat {
  const fields = text.slice(text.lastIndexOf(')') + 2).trim().split(' ')
  // fields[0] is field 3 (state); utime, stime are fields 14, 15; starttime is field 22.
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  const startTicks = Number(fields[19])
  if (![utime, stime, startTicks].every(Number.isFinite)) throw new Error('unexpected /proc/<pid>/stat format')
  return { state: fields[0] ?? '?', cpuTicks: utime + stime, startTicks }
}

/** Resident pages, the second number of /proc/<pid>/statm. */
export function parseStatmResidentPages (text: string): number {
  return Number(text.trim().split(/\s+/)[1] ?? 0)
}
