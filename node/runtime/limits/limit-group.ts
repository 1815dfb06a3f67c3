/** The limit group of one app: validation, setup, and the group's life until remove(). */
import { systemClock } from '../../ports/index.js'
import { errnoOf, groupPids, isErrno, keyedValue, ownGroupDir, readControl, removeDir, writeControl } from './cgroup-files.js'
import {
  CPU_MILLIS_MAX, CPU_MILLIS_MIN, GROUP_NAME_LENGTH_MAX, GROUP_NAME_PATTERN, MEMORY_BYTES_MIN,
  REMOVE_DRAIN_TIMEOUT_MS, REMOVE_POLL_MS, RMDIR_ATTEMPTS_MAX
} from './constants.js'
import { LimitGroupError, LimitValueError } from './errors.js'
import { setUpGroup } from './group-setup.js'
import { setAddressSpaceLimit } from './prlimit.js'
import type { GroupDir, GroupSetup } from './group-setup.js'
import type { Enforcement, LimitGroup, LimitSupport, LimitUsage, ResourceLimits } from './types.js'
import type { Clock } from '../../ports/index.js'

export interface LimitGroupOptions {
  /** A path on the disk whose I/O `ioReadBps`/`ioWriteBps` throttle (the app's data dir). io limits need it. */
  ioDevicePath?: string
  /** Waits in remove(). @default systemClock() */
  clock?: Pick<Clock, 'sleep'>
  /** How long remove() lets exiting processes leave before moving them out. @default REMOVE_DRAIN_TIMEOUT_MS */
  drainTimeoutMs?: number
}

/**
 * Creates (or, after an agent crash, reuses) the group `name` with `limits`, using what
 * `support` found. Throws LimitGroupError for a bad name and LimitValueError for a limit out of
 * range; a limit the device cannot enforce is reported in `enforcement`, not thrown.
 */
export async function createLimitGroup (name: string, limits: ResourceLimits, support: LimitSupport, options: LimitGroupOptions = {}): Promise<LimitGroup> {
  if (name.length > GROUP_NAME_LENGTH_MAX || !GROUP_NAME_PATTERN.test(name)) {
    throw new LimitGroupError(`limit group name '${name}' is invalid: use 1-${GROUP_NAME_LENGTH_MAX} letters, digits, '.', '_' or '-', starting with a letter or digit`, name)
  }
  checkLimits(limits)
  const setup = await setUpGroup(name, limits, support, options.ioDevicePath)
  return new CgroupLimitGroup(name, setup, options)
}

function checkLimits (limits: ResourceLimits): void {
  const check = (field: keyof ResourceLimits, min: number, max: number, hint: string): void => {
    const value = limits[field]
    if (value === undefined || value === 0) return
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new LimitValueError(`${field} ${value} is out of range: ${hint}`, value)
    }
  }
  check('memoryBytes', MEMORY_BYTES_MIN, Number.MAX_SAFE_INTEGER, `at least ${MEMORY_BYTES_MIN} bytes (4Mi), or 0 for no limit`)
  check('cpuMillis', CPU_MILLIS_MIN, CPU_MILLIS_MAX, `${CPU_MILLIS_MIN}m to ${CPU_MILLIS_MAX}m, or 0 for no limit`)
  check('ioReadBps', 1, Number.MAX_SAFE_INTEGER, 'a whole number of bytes per second, or 0 for no limit')
  check('ioWriteBps', 1, Number.MAX_SAFE_INTEGER, 'a whole number of bytes per second, or 0 for no limit')
}

class CgroupLimitGroup implements LimitGroup {
  readonly enforcement: Enforcement
  private removed = false
  private readonly clock: Pick<Clock, 'sleep'>

  constructor (readonly name: string, private readonly setup: GroupSetup, private readonly options: LimitGroupOptions) {
    this.enforcement = setup.enforcement
    this.clock = options.clock ?? systemClock()
  }

  async addProcess (pid: number): Promise<void> {
    if (this.removed) throw new LimitGroupError(`limit group '${this.name}' was removed; create it again`, this.name)
    try {
      for (const { dir } of this.setup.dirs) await writeControl(dir, 'cgroup.procs', String(pid))
      const rlimit = this.setup.rlimit
      if (rlimit !== undefined) await setAddressSpaceLimit(rlimit.prlimitPath, pid, rlimit.bytes)
    } catch (err) {
      const why = isErrno(err, 'ESRCH') ? 'it has exited' : errnoOf(err)
      throw new LimitGroupError(`could not put process ${pid} under limit group '${this.name}': ${why}`, this.name, { cause: err })
    }
  }

  async oomKills (): Promise<number> {
    const memory = this.setup.memory
    if (memory === undefined || this.removed) return 0
    // v1 reports oom_kill in memory.oom_control since Linux 4.13; older kernels report none.
    const text = await readControl(memory.dir, memory.version === 2 ? 'memory.events' : 'memory.oom_control')
    return keyedValue(text, 'oom_kill') ?? 0
  }

  async usage (): Promise<LimitUsage> {
    const usage: LimitUsage = {}
    if (this.removed) return usage
    const { memory, cpuUsage } = this.setup
    if (memory !== undefined) {
      const text = await readControl(memory.dir, memory.version === 2 ? 'memory.current' : 'memory.usage_in_bytes')
      if (text !== undefined) usage.memoryBytes = Number(text.trim())
    }
    if (cpuUsage?.version === 2) {
      const usec = keyedValue(await readControl(cpuUsage.dir, 'cpu.stat'), 'usage_usec')
      if (usec !== undefined) usage.cpuUsageNs = usec * 1000
    } else if (cpuUsage !== undefined) {
      const text = await readControl(cpuUsage.dir, 'cpuacct.usage')
      if (text !== undefined) usage.cpuUsageNs = Number(text.trim())
    }
    return usage
  }

  async remove (): Promise<void> {
    if (this.removed) return
    for (const group of this.setup.dirs) await this.removeDir(group)
    this.removed = true
  }

  private async removeDir (group: GroupDir): Promise<void> {
    const drainMs = this.options.drainTimeoutMs ?? REMOVE_DRAIN_TIMEOUT_MS
    for (let waitedMs = 0; waitedMs < drainMs && (await groupPids(group.dir)).length > 0; waitedMs += REMOVE_POLL_MS) {
      await this.clock.sleep(REMOVE_POLL_MS)
    }
    const leftovers = await groupPids(group.dir)
    if (leftovers.length > 0) {
      // Back to the agent's own group, or the hierarchy's root when that is not visible.
      const home = await ownGroupDir(group.mount, group.controller) ?? group.mount
      for (const pid of leftovers) {
        await writeControl(home, 'cgroup.procs', String(pid)).catch(() => {}) // exited meanwhile
      }
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await removeDir(group.dir)
        return
      } catch (err) {
        if (!isErrno(err, 'EBUSY') || attempt >= RMDIR_ATTEMPTS_MAX) {
          throw new LimitGroupError(`could not remove limit group ${group.dir}: ${errnoOf(err)}`, this.name, { cause: err })
        }
        await this.clock.sleep(REMOVE_POLL_MS)
      }
    }
  }
}
