/**
 * Detection and v2 setup against directory trees shaped like cgroup mounts: this machine has
 * no v2 controllers, so the v2 file protocol (subtree_control, memory.max, cpu.max, io.max) is
 * checked on a fake unified hierarchy. Real enforcement is in limit-group.test.ts.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { blockDeviceOf, createLimitGroup, detectLimitSupport, parseCpu, parseMemory } from './index.js'

const roots: string[] = []
afterEach(async () => {
  for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true })
})

async function fakeRoot (files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'fleetd-cgroup-'))
  roots.push(root)
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true })
    await writeFile(join(root, path), text)
  }
  return root
}

describe('detectLimitSupport', () => {
  it('picks cgroup v2 for every resource whose controller the unified hierarchy lists', async () => {
    const root = await fakeRoot({ 'cgroup.controllers': 'cpuset cpu io memory pids\n', 'cgroup.subtree_control': '' })
    const support = await detectLimitSupport({ cgroupRoot: root })
    expect(support).toMatchObject({ memory: 'cgroup-v2', cpu: 'cgroup-v2', io: 'cgroup-v2', paths: { unified: root } })
  })

  it('uses v1 controllers beside an empty hybrid v2, as on this development machine', async () => {
    const root = await fakeRoot({
      'unified/cgroup.controllers': 'hugetlb\n',
      'unified/cgroup.subtree_control': '',
      'memory/memory.limit_in_bytes': '9223372036854771712\n',
      'cpu,cpuacct/cpu.cfs_quota_us': '-1\n',
      'cpu,cpuacct/cpuacct.usage': '0\n'
    })
    const support = await detectLimitSupport({ cgroupRoot: root })
    expect(support).toMatchObject({ memory: 'cgroup-v1', cpu: 'cgroup-v1', io: 'none' })
    expect(support.paths).toEqual({ memory: join(root, 'memory'), cpu: join(root, 'cpu,cpuacct'), cpuacct: join(root, 'cpu,cpuacct'), blkio: undefined })
    expect(support.notes.join('\n')).toMatch(/cgroup v2 at .*unified has no memory, cpu or io controller[\s\S]*io: no writable io or blkio cgroup/)
  })

  it('falls back to prlimit for memory, or says nothing can be enforced', async () => {
    const root = await fakeRoot({})
    const withPrlimit = await detectLimitSupport({ cgroupRoot: root })
    if (withPrlimit.prlimitPath !== undefined) expect(withPrlimit.memory).toBe('rlimit')
    expect(withPrlimit).toMatchObject({ cpu: 'none', io: 'none' })
    expect(withPrlimit.notes.join('\n')).toMatch(/cpu: no writable cpu cgroup/)
  })
})

describe('cgroup v2 setup', () => {
  it('enables the controllers down the tree and writes memory.max, cpu.max and io.max', async () => {
    const root = await fakeRoot({ 'cgroup.controllers': 'cpu io memory\n', 'cgroup.subtree_control': '' })
    const support = await detectLimitSupport({ cgroupRoot: root })
    const disk = await blockDeviceOf(tmpdir())
    const group = await createLimitGroup('web', {
      memoryBytes: parseMemory('2Gi'), cpuMillis: parseCpu('1500m'), ioReadBps: 10_000_000, ioWriteBps: 5_000_000
    }, support, { ioDevicePath: tmpdir() })
    const dir = join(root, 'fleetd', 'web')
    const read = async (file: string): Promise<string> => await readFile(join(dir, file), 'utf8')
    expect(await read('memory.max')).toBe(String(2 * 2 ** 30))
    expect(await read('cpu.max')).toBe('150000 100000')
    expect(await readFile(join(root, 'fleetd', 'cgroup.subtree_control'), 'utf8')).toMatch(/^\+(memory|cpu|io)$/)
    expect(group.enforcement).toMatchObject({ memory: 'cgroup-v2', cpu: 'cgroup-v2' })
    if (disk.device === undefined) {
      expect(group.enforcement.io).toBe('none')
    } else {
      expect(await read('io.max')).toBe(`${disk.device} rbps=10000000 wbps=5000000`)
      expect(group.enforcement.io).toBe('cgroup-v2')
    }
    await writeFile(join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 12\noom 2\noom_kill 2\n')
    expect(await group.oomKills()).toBe(2)
    await writeFile(join(dir, 'memory.current'), '1048576\n')
    await writeFile(join(dir, 'cpu.stat'), 'usage_usec 2500\nuser_usec 2000\n')
    expect(await group.usage()).toEqual({ memoryBytes: 1_048_576, cpuUsageNs: 2_500_000 })
  })
})
