/**
 * Per-process metrics from /proc/<pid>: CPU % from utime+stime deltas against wall time, RSS
 * from statm, uptime from the start time. A process that exited (or whose pid now names
 * another process) gives undefined: supervised processes come and go, that is no error.
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { systemClock } from '../../ports/index.js'
import { CLOCK_TICKS_PER_S_DEFAULT, GETCONF_TIMEOUT_MS, PAGE_BYTES_DEFAULT } from './constants.js'
import { parsePidStat, parseStatmResidentPages, parseUptimeS } from './proc-parse.js'
import type { Clock } from '../../ports/index.js'

const execFileAsync = promisify(execFile)

export interface ProcessSample {
  pid: number
  /** CPU time over wall time since the previous sample (since start for the first); 100 = one full CPU, as in top. */
  cpuPercent: number
  memoryRssBytes: number
  uptimeMs: number
}

export interface ProcessMetricsSampler {
  readonly pid: number
  /** Undefined once the process has exited or its pid names another process. */
  sample (): Promise<ProcessSample | undefined>
}

/** Kernel constants the sampler needs; `procConstants()` reads them once for all samplers. */
export interface ProcConstants { clockTicksPerS: number, pageBytes: number }

export interface ProcessMetricsInit {
  /** @default from `procConstants()` */
  constants?: ProcConstants
  /** Wall time for CPU % deltas. @default systemClock() */
  clock?: Pick<Clock, 'nowMs'>
}

export function processMetrics (pid: number, init: ProcessMetricsInit = {}): ProcessMetricsSampler {
  const clock = init.clock ?? systemClock()
  let previous: { cpuTicks: number, atMs: number } | undefined
  let startTicks: number | undefined
  return {
    pid,
    async sample () {
      const k = init.constants ?? await procConstants()
      const [stat, statm, uptime] = await Promise.all([
        readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/statm`, 'utf8'), readFile('/proc/uptime', 'utf8')
      ]).catch(() => [])
      if (stat === undefined || statm === undefined || uptime === undefined) return undefined
      const now = clock.nowMs()
      const parsed = parsePidStat(stat)
      // A zombie has exited; another start time means the pid was reused by a stranger.
      if (parsed.state === 'Z' || (startTicks !== undefined && parsed.startTicks !== startTicks)) return undefined
      startTicks = parsed.startTicks
      const uptimeMs = Math.max(0, Math.round((parseUptimeS(uptime) - parsed.startTicks / k.clockTicksPerS) * 1000))
      const base = previous ?? { cpuTicks: 0, atMs: now - uptimeMs }
      const wallMs = now - base.atMs
      const cpuMs = (parsed.cpuTicks - base.cpuTicks) * 1000 / k.clockTicksPerS
      previous = { cpuTicks: parsed.cpuTicks, atMs: now }
      return {
        pid,
        cpuPercent: wallMs > 0 ? Math.max(0, 100 * cpuMs / wallMs) : 0,
        memoryRssBytes: parseStatmResidentPages(statm) * k.pageBytes,
        uptimeMs
      }
    }
  }
}

let cachedConstants: Promise<ProcConstants> | undefined

/**
 * CLK_TCK and the page size, asked of `getconf` once per agent: they are fixed for the
 * kernel's life, so caching them module-wide is safe (they are facts, not state).
 */
export async function procConstants (): Promise<ProcConstants> {
  cachedConstants ??= Promise.all([
    getconf('CLK_TCK', CLOCK_TICKS_PER_S_DEFAULT), getconf('PAGESIZE', PAGE_BYTES_DEFAULT)
  ]).then(([clockTicksPerS, pageBytes]) => ({ clockTicksPerS, pageBytes }))
  return await cachedConstants
}

async function getconf (name: string, fallback: number): Promise<number> {
  try {
    const { stdout } = await execFileAsync('getconf', [name], { timeout: GETCONF_TIMEOUT_MS })
    const value = Number(stdout.trim())
    return Number.isInteger(value) && value > 0 ? value : fallback
  } catch {
    return fallback
  }
}
