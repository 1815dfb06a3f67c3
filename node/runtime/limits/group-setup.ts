/**
 * Creates one app's groups and writes its limits, resource by resource. A resource whose setup
 * fails is reported as not enforced (with the kernel's reason) rather than failing the app:
 * the device reports what is really active, and memory still falls back to RLIMIT_AS.
 */
import { join } from 'node:path'
import { blockDeviceOf } from './block-device.js'
import { ensureDir, errnoOf, writeControl } from './cgroup-files.js'
import { CPU_PERIOD_US, GROUP_PARENT } from './constants.js'
import { formatMemory } from './units.js'
import type { Enforcement, LimitSupport, ResourceLimits } from './types.js'

/** One group directory; `controller` is the v1 controller, or '' in the unified hierarchy. */
export interface GroupDir { dir: string, mount: string, controller: string, version: 1 | 2 }

export interface GroupSetup {
  enforcement: Enforcement
  /** Every directory a process is added to (one per hierarchy; v2 has one for all). */
  dirs: GroupDir[]
  memory?: GroupDir
  /** Where CPU usage is read: the v2 group, or the v1 cpuacct group. */
  cpuUsage?: GroupDir
  /** Set when memory is limited by RLIMIT_AS instead of a cgroup. */
  rlimit?: { prlimitPath: string, bytes: number }
}

export async function setUpGroup (name: string, limits: ResourceLimits, support: LimitSupport, ioDevicePath?: string): Promise<GroupSetup> {
  const setup: GroupSetup = { enforcement: { memory: 'none', cpu: 'none', io: 'none', notes: [] }, dirs: [] }
  const notes = setup.enforcement.notes
  const group = async (mechanism: 'cgroup-v1' | 'cgroup-v2', v1Mount: string | undefined, controller: string): Promise<GroupDir> => {
    const dir = mechanism === 'cgroup-v2'
      ? await v2Group(support.paths.unified ?? '', name, controller)
      : await v1Group(v1Mount ?? '', name, controller)
    const existing = setup.dirs.find(d => d.dir === dir.dir)
    if (existing !== undefined) return existing
    setup.dirs.push(dir)
    return dir
  }

  const memoryBytes = limits.memoryBytes ?? 0
  if (memoryBytes > 0) {
    if (support.memory === 'cgroup-v1' || support.memory === 'cgroup-v2') {
      const v2 = support.memory === 'cgroup-v2'
      try {
        setup.memory = await group(support.memory, support.paths.memory, 'memory')
        await writeControl(setup.memory.dir, v2 ? 'memory.max' : 'memory.limit_in_bytes', String(memoryBytes))
        setup.enforcement.memory = support.memory
      } catch (err) {
        notes.push(`memory: ${support.memory} limit of ${formatMemory(memoryBytes)} could not be set (${errnoOf(err)})`)
      }
    }
    if (setup.enforcement.memory === 'none' && support.prlimitPath !== undefined) {
      setup.rlimit = { prlimitPath: support.prlimitPath, bytes: memoryBytes }
      setup.enforcement.memory = 'rlimit'
      notes.push(`memory: RLIMIT_AS of ${formatMemory(memoryBytes)} caps virtual memory, not RSS; runtimes that reserve address space (Node.js, Java, Go) may fail to allocate well below it`)
    }
    if (setup.enforcement.memory === 'none') notes.push('memory: limit not enforced on this device')
  }

  const cpuMillis = limits.cpuMillis ?? 0
  if (cpuMillis > 0) {
    const quotaUs = Math.round(cpuMillis * CPU_PERIOD_US / 1000)
    try {
      if (support.cpu === 'cgroup-v2') {
        setup.cpuUsage = await group('cgroup-v2', undefined, 'cpu')
        await writeControl(setup.cpuUsage.dir, 'cpu.max', `${quotaUs} ${CPU_PERIOD_US}`)
      } else if (support.cpu === 'cgroup-v1') {
        const cpu = await group('cgroup-v1', support.paths.cpu, 'cpu')
        await writeControl(cpu.dir, 'cpu.cfs_period_us', String(CPU_PERIOD_US))
        await writeControl(cpu.dir, 'cpu.cfs_quota_us', String(quotaUs))
        // Usage is accounted by cpuacct, mounted with cpu or on its own.
        if (support.paths.cpuacct !== undefined) setup.cpuUsage = await group('cgroup-v1', support.paths.cpuacct, 'cpuacct')
      }
      setup.enforcement.cpu = support.cpu
    } catch (err) {
      notes.push(`cpu: ${support.cpu} limit of ${cpuMillis}m could not be set (${errnoOf(err)})`)
    }
    if (setup.enforcement.cpu === 'none') notes.push('cpu: limit not enforced on this device')
  }

  const readBps = limits.ioReadBps ?? 0
  const writeBps = limits.ioWriteBps ?? 0
  if (readBps > 0 || writeBps > 0) await setUpIo(setup, support, readBps, writeBps, ioDevicePath, group)
  return setup
}

type GroupFn = (mechanism: 'cgroup-v1' | 'cgroup-v2', v1Mount: string | undefined, controller: string) => Promise<GroupDir>

async function setUpIo (setup: GroupSetup, support: LimitSupport, readBps: number, writeBps: number, ioDevicePath: string | undefined, group: GroupFn): Promise<void> {
  const notes = setup.enforcement.notes
  if (support.io === 'none') {
    notes.push('io: limit not enforced on this device')
    return
  }
  if (ioDevicePath === undefined) {
    notes.push('io: limits need ioDevicePath (a path on the disk to throttle); not enforced')
    return
  }
  const disk = await blockDeviceOf(ioDevicePath)
  if (disk.device === undefined) {
    notes.push(`io: ${disk.reason}; not enforced`)
    return
  }
  try {
    if (support.io === 'cgroup-v2') {
      const io = await group('cgroup-v2', undefined, 'io')
      const parts = [readBps > 0 ? `rbps=${readBps}` : '', writeBps > 0 ? `wbps=${writeBps}` : ''].filter(p => p !== '')
      await writeControl(io.dir, 'io.max', `${disk.device} ${parts.join(' ')}`)
    } else {
      const blkio = await group('cgroup-v1', support.paths.blkio, 'blkio')
      if (readBps > 0) await writeControl(blkio.dir, 'blkio.throttle.read_bps_device', `${disk.device} ${readBps}`)
      if (writeBps > 0) await writeControl(blkio.dir, 'blkio.throttle.write_bps_device', `${disk.device} ${writeBps}`)
      notes.push('io: blkio v1 throttles reads and direct writes; buffered writes pass through the page cache unthrottled')
    }
    setup.enforcement.io = support.io
  } catch (err) {
    notes.push(`io: ${support.io} limit on ${disk.device} could not be set (${errnoOf(err)}); not enforced`)
  }
}

async function v1Group (mount: string, name: string, controller: string): Promise<GroupDir> {
  const dir = join(mount, GROUP_PARENT, name)
  await ensureDir(dir)
  return { dir, mount, controller, version: 1 }
}

/**
 * A v2 controller only reaches a group when every ancestor enables it in cgroup.subtree_control
 * (root, then `fleetd`); enabling an enabled controller is a no-op.
 */
async function v2Group (mount: string, name: string, controller: string): Promise<GroupDir> {
  const parent = join(mount, GROUP_PARENT)
  await writeControl(mount, 'cgroup.subtree_control', `+${controller}`)
  await ensureDir(parent)
  await writeControl(parent, 'cgroup.subtree_control', `+${controller}`)
  const dir = join(parent, name)
  await ensureDir(dir)
  return { dir, mount, controller: '', version: 2 }
}
