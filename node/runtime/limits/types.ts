/** The shapes shared by detection, setup and the group itself. */

/** Limits of one app's processes; an absent or zero field means "no limit" (as in the plan's ResourceLimits). */
export interface ResourceLimits {
  /** Memory ceiling in bytes (`parseMemory('512Mi')`). */
  memoryBytes?: number
  /** CPU ceiling in millicpus, 1000 = one full CPU (`parseCpu('1500m')`). */
  cpuMillis?: number
  /** Read throughput ceiling on the device holding `ioDevicePath`, bytes per second. */
  ioReadBps?: number
  /** Write throughput ceiling on the device holding `ioDevicePath`, bytes per second. */
  ioWriteBps?: number
}

export type MemoryMechanism = 'cgroup-v2' | 'cgroup-v1' | 'rlimit' | 'none'
export type CgroupMechanism = 'cgroup-v2' | 'cgroup-v1' | 'none'

/** What a device can enforce, from `detectLimitSupport()`. */
export interface LimitSupport {
  /** The strongest mechanism per resource. */
  memory: MemoryMechanism
  cpu: CgroupMechanism
  io: CgroupMechanism
  /** Hierarchies in use: the unified (v2) one and each writable v1 controller's mount. */
  paths: { unified?: string, memory?: string, cpu?: string, cpuacct?: string, blkio?: string }
  /** The prlimit binary, when memory falls back to RLIMIT_AS. */
  prlimitPath?: string
  /** Why a resource has a weaker mechanism or none, in words an operator can act on. */
  notes: string[]
}

/**
 * What is really active for one group, for the device to report: a resource without a limit,
 * or whose setup failed, is `none`, and `notes` says why.
 */
export interface Enforcement {
  memory: MemoryMechanism
  cpu: CgroupMechanism
  io: CgroupMechanism
  notes: string[]
}

export interface LimitUsage {
  /** Memory charged to the group (page cache included), bytes. */
  memoryBytes?: number
  /** CPU time used by the group's processes, nanoseconds. */
  cpuUsageNs?: number
}

/** One app's limit group: `<hierarchy>/fleetd/<name>` in each hierarchy used. */
export interface LimitGroup {
  readonly name: string
  readonly enforcement: Enforcement
  /** Puts a process under the limits; its children, started later, inherit them. */
  addProcess (pid: number): Promise<void>
  /** Processes of the group killed by the OOM killer since the group was created. */
  oomKills (): Promise<number>
  usage (): Promise<LimitUsage>
  /** Moves leftover processes out (after a grace period for exiting ones) and deletes the group. Idempotent. */
  remove (): Promise<void>
}
