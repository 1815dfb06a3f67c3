/**
 * Resource limits for supervised app processes: memory, CPU and I/O through cgroups (v2
 * `memory.max`/`cpu.max`/`io.max`, or v1 `memory.limit_in_bytes`/`cpu.cfs_quota_us`/blkio
 * throttling), else the strongest fallback the OS allows (RLIMIT_AS via prlimit for memory).
 * Every group reports in `enforcement` what is really active, so the device can say it.
 *
 * Groups live at `<hierarchy>/fleetd/<name>`. A group left behind by a crashed agent is reused
 * by the next `createLimitGroup` with the same name; `remove()` deletes it.
 *
 * @example
 * ```ts
 * import { createLimitGroup, detectLimitSupport, parseCpu, parseMemory } from './limits/index.js'
 * const support = await detectLimitSupport()
 * const group = await createLimitGroup('web', { memoryBytes: parseMemory('256Mi'), cpuMillis: parseCpu('500m') }, support)
 * await group.addProcess(4242)
 * console.log(group.enforcement) // { memory: 'cgroup-v1', cpu: 'cgroup-v1', io: 'none', notes: [] }
 * console.log(await group.oomKills(), await group.usage())
 * await group.remove()
 * ```
 */
export { detectLimitSupport } from './detect.js'
export type { DetectLimitSupportInit } from './detect.js'
export { createLimitGroup } from './limit-group.js'
export type { LimitGroupOptions } from './limit-group.js'
export { formatMemory, parseCpu, parseMemory } from './units.js'
export { blockDeviceOf } from './block-device.js'
export type { BlockDevice } from './block-device.js'
export { LimitGroupError, LimitValueError } from './errors.js'
export * from './constants.js'
export type {
  CgroupMechanism, Enforcement, LimitGroup, LimitSupport, LimitUsage, MemoryMechanism, ResourceLimits
} from './types.js'
