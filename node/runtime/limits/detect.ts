/**
 * What this device can enforce, resource by resource: cgroup v2 where the unified hierarchy
 * has the controller, cgroup v1 where the controller's own hierarchy is writable, else the
 * strongest fallback (RLIMIT_AS through prlimit for memory). Hybrid systems mix: each
 * controller lives in exactly one hierarchy, so each resource is judged on its own.
 */
import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { delimiter, isAbsolute, join } from 'node:path'
import { ensureDir, errnoOf, readControl } from './cgroup-files.js'
import { CGROUP_ROOT_DEFAULT, CGROUP_UNIFIED_HYBRID_DIR, GROUP_PARENT, PRLIMIT_PATHS } from './constants.js'
import type { LimitSupport } from './types.js'

export interface DetectLimitSupportInit {
  /** Where the cgroup filesystems are mounted. @default '/sys/fs/cgroup' */
  cgroupRoot?: string
  /** PATH searched for prlimit after the usual util-linux paths. @default process.env.PATH */
  pathEnv?: string
}

/** v1 controllers: candidate mount directories and a file that proves the controller is there. */
const V1_CONTROLLERS = {
  memory: { dirs: ['memory'], file: 'memory.limit_in_bytes' },
  cpu: { dirs: ['cpu', 'cpu,cpuacct', 'cpuacct,cpu'], file: 'cpu.cfs_quota_us' },
  cpuacct: { dirs: ['cpuacct', 'cpu,cpuacct', 'cpuacct,cpu'], file: 'cpuacct.usage' },
  blkio: { dirs: ['blkio'], file: 'blkio.throttle.read_bps_device' }
} as const

/**
 * Probes the device. Creating the `fleetd` parent group is the probe: a mount can look
 * writable (root, rw) and still refuse mkdir inside a container, and the parent is needed anyway.
 */
export async function detectLimitSupport (init: DetectLimitSupportInit = {}): Promise<LimitSupport> {
  const root = init.cgroupRoot ?? CGROUP_ROOT_DEFAULT
  const support: LimitSupport = { memory: 'none', cpu: 'none', io: 'none', paths: {}, notes: [] }

  const unified = await unifiedDir(root)
  if (unified !== undefined) {
    const controllers = (await readControl(unified, 'cgroup.controllers') ?? '').trim().split(/\s+/)
    const wanted = (['memory', 'cpu', 'io'] as const).filter(c => controllers.includes(c))
    if (wanted.length === 0) {
      support.notes.push(`cgroup v2 at ${unified} has no memory, cpu or io controller (they are bound to v1 or disabled)`)
    } else if (await canWrite(join(unified, 'cgroup.subtree_control'), support.notes, 'cgroup v2') &&
      await writableGroupParent(unified, support.notes, 'cgroup v2')) {
      support.paths.unified = unified
      for (const c of wanted) support[c] = 'cgroup-v2'
    }
  }

  const v1 = async (key: keyof typeof V1_CONTROLLERS): Promise<string | undefined> => {
    const { dirs, file } = V1_CONTROLLERS[key]
    for (const name of dirs) {
      const dir = join(root, name)
      if (await readControl(dir, file) === undefined) continue
      return await writableGroupParent(dir, support.notes, `cgroup v1 ${key}`) ? dir : undefined
    }
    return undefined
  }
  if (support.memory === 'none') support.paths.memory = await v1('memory')
  if (support.cpu === 'none') {
    support.paths.cpu = await v1('cpu')
    support.paths.cpuacct = await v1('cpuacct')
  }
  if (support.io === 'none') support.paths.blkio = await v1('blkio')
  if (support.paths.memory !== undefined) support.memory = 'cgroup-v1'
  if (support.paths.cpu !== undefined) support.cpu = 'cgroup-v1'
  if (support.paths.blkio !== undefined) support.io = 'cgroup-v1'

  if (support.memory === 'none') {
    support.prlimitPath = await findPrlimit(init.pathEnv ?? process.env.PATH)
    if (support.prlimitPath === undefined) {
      support.notes.push('memory: no writable memory cgroup and no prlimit (util-linux): memory limits cannot be enforced')
    } else {
      support.memory = 'rlimit'
      support.notes.push('memory: no writable memory cgroup; falling back to RLIMIT_AS (virtual memory, set by prlimit)')
    }
  }
  if (support.cpu === 'none') support.notes.push('cpu: no writable cpu cgroup: cpu limits cannot be enforced')
  if (support.io === 'none') support.notes.push('io: no writable io or blkio cgroup: io limits cannot be enforced')
  return support
}

/** The unified hierarchy: the root itself on pure v2, `unified/` on hybrid systems. */
async function unifiedDir (root: string): Promise<string | undefined> {
  for (const dir of [root, join(root, CGROUP_UNIFIED_HYBRID_DIR)]) {
    if (await readControl(dir, 'cgroup.controllers') !== undefined) return dir
  }
  return undefined
}

async function writableGroupParent (dir: string, notes: string[], what: string): Promise<boolean> {
  try {
    await ensureDir(join(dir, GROUP_PARENT))
    return true
  } catch (err) {
    notes.push(`${what} at ${dir} is not writable (${errnoOf(err)})`)
    return false
  }
}

async function canWrite (file: string, notes: string[], what: string): Promise<boolean> {
  try {
    await access(file, constants.W_OK)
    return true
  } catch (err) {
    notes.push(`${what}: ${file} is not writable (${errnoOf(err)})`)
    return false
  }
}

async function findPrlimit (pathEnv: string | undefined): Promise<string | undefined> {
  const onPath = (pathEnv ?? '').split(delimiter).filter(isAbsolute).map(dir => join(dir, 'prlimit'))
  for (const candidate of [...PRLIMIT_PATHS, ...onPath]) {
    try {
      await access(candidate, constants.X_OK)
      if ((await stat(candidate)).isFile()) return candidate
    } catch {
      // Not here: try the next candidate.
    }
  }
  return undefined
}
