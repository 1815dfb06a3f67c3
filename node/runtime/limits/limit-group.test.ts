/**
 * Real limits on this machine's cgroups, with real child processes. A test that needs a
 * controller the machine does not offer writable is skipped, and its title says why.
 */
import { spawn } from 'node:child_process'
import { access, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createLimitGroup, detectLimitSupport, parseCpu, parseMemory } from './index.js'
import type { LimitGroup, LimitSupport } from './index.js'
import type { ChildProcess } from 'node:child_process'

const support = await detectLimitSupport()
const memoryCgroup = support.memory === 'cgroup-v1' || support.memory === 'cgroup-v2'
const cpuCgroup = support.cpu !== 'none'
const ioCgroup = support.io !== 'none'
const why = (ok: boolean, what: string): string => ok ? '' : ` (skipped: no writable ${what} cgroup here: ${support.notes.join('; ')})`
const CLOCK_TICKS_PER_S = 100 // getconf CLK_TCK on Linux everywhere but exotic builds

const groups: LimitGroup[] = []
const children: ChildProcess[] = []
let seq = 0
const uniqueName = (what: string): string => `test-${what}-${process.pid}-${seq++}`

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
  for (const group of groups.splice(0)) await group.remove()
})

async function group (what: string, limits: Parameters<typeof createLimitGroup>[1], options = {}, s: LimitSupport = support): Promise<LimitGroup> {
  const created = await createLimitGroup(uniqueName(what), limits, s, options)
  groups.push(created)
  return created
}

/** A child that waits for a line on stdin before running `script`, so it runs inside its group. */
function child (command: string, args: string[]): ChildProcess & { pid: number } {
  const started = spawn(command, args, { stdio: ['pipe', 'ignore', 'ignore'] })
  children.push(started)
  if (started.pid === undefined) throw new Error(`could not start ${command}`)
  return started as ChildProcess & { pid: number }
}

const nodeAfterGo = (script: string): ChildProcess & { pid: number } =>
  child(process.execPath, ['-e', `process.stdin.once('data', () => { ${script} })`])

async function cpuTicks (pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12]) // utime + stime (fields 14 and 15)
}

const exists = async (path: string): Promise<boolean> => await access(path).then(() => true, () => false)

describe('limit groups on this machine', () => {
  it(`kills a process over its 64Mi memory limit and counts the OOM kill${why(memoryCgroup, 'memory')}`, { skip: !memoryCgroup, timeout: 20_000 }, async () => {
    const limited = await group('oom', { memoryBytes: parseMemory('64Mi') })
    expect(limited.enforcement.memory).toBe(support.memory)
    const hog = nodeAfterGo('const keep = []; setInterval(() => { keep.push(Buffer.alloc(8 << 20).fill(1)) }, 5)')
    await limited.addProcess(hog.pid)
    const exited = new Promise<NodeJS.Signals | null>(resolve => hog.once('exit', (_code, signal) => { resolve(signal) }))
    hog.stdin?.write('go\n')
    expect(await exited).toBe('SIGKILL')
    expect(await limited.oomKills()).toBeGreaterThanOrEqual(1)
  })

  it(`holds a busy loop limited to 200m under 30% of one CPU${why(cpuCgroup, 'cpu')}`, { skip: !cpuCgroup }, async () => {
    const limited = await group('cpu', { cpuMillis: parseCpu('200m') })
    expect(limited.enforcement.cpu).toBe(support.cpu)
    const spinner = nodeAfterGo('for (;;) {}')
    await limited.addProcess(spinner.pid)
    spinner.stdin?.write('go\n')
    const before = await cpuTicks(spinner.pid)
    const startMs = Date.now()
    await new Promise(resolve => setTimeout(resolve, 2_000))
    const share = (await cpuTicks(spinner.pid) - before) / CLOCK_TICKS_PER_S / ((Date.now() - startMs) / 1000)
    expect(share).toBeLessThanOrEqual(0.3)
    expect(share).toBeGreaterThan(0.05) // it did run: the limit throttles, it does not stop
    expect((await limited.usage()).cpuUsageNs ?? 0).toBeGreaterThan(0)
  })

  it(`throttles direct writes to 4 MiB/s on the disk of the temp dir${why(ioCgroup, 'io/blkio')}`, { skip: !ioCgroup }, async () => {
    const limited = await group('io', { ioWriteBps: 4 * 2 ** 20 }, { ioDevicePath: tmpdir() })
    if (limited.enforcement.io === 'none') return expect.fail(`io not enforced: ${limited.enforcement.notes.join('; ')}`)
    const file = join(tmpdir(), `${uniqueName('io')}.bin`)
    const writer = child('sh', ['-c', `read go; exec dd if=/dev/zero of=${file} bs=1M count=8 oflag=direct 2>/dev/null; rm -f ${file}`])
    await limited.addProcess(writer.pid)
    const startMs = Date.now()
    const done = new Promise(resolve => writer.once('exit', resolve))
    writer.stdin?.write('go\n')
    await done
    expect(Date.now() - startMs).toBeGreaterThan(1_500) // 8 MiB at 4 MiB/s; unthrottled it takes milliseconds
  })

  it(`removes its directories, moving a live process out first, and a second remove is a no-op${why(memoryCgroup, 'memory')}`, { skip: !memoryCgroup }, async () => {
    const name = uniqueName('remove')
    const limited = await createLimitGroup(name, { memoryBytes: parseMemory('128Mi'), cpuMillis: 500 }, support, { drainTimeoutMs: 100 })
    groups.push(limited) // removed again by afterEach if an assertion fails first
    const sleeper = child('sleep', ['30'])
    await limited.addProcess(sleeper.pid)
    expect((await limited.usage()).memoryBytes).toBeGreaterThanOrEqual(0)
    const dirs = [support.paths.unified, support.paths.memory, support.paths.cpu].filter(d => d !== undefined).map(d => join(d, 'fleetd', name))
    expect(await Promise.all(dirs.map(exists))).toContain(true)
    await limited.remove()
    expect(await Promise.all(dirs.map(exists))).not.toContain(true)
    expect(sleeper.exitCode).toBeNull() // moved out, not killed
    await limited.remove()
    await expect(limited.addProcess(sleeper.pid)).rejects.toMatchObject({ name: 'LimitGroupError', code: 'FLEET_ERR_LIMIT_GROUP' })
  })
})

const prlimitPath = '/usr/bin/prlimit'
const hasPrlimit = await exists(prlimitPath)

describe('limit group fallbacks and refusals', () => {
  it(`falls back to RLIMIT_AS through prlimit where no memory cgroup is writable${hasPrlimit ? '' : ' (skipped: no prlimit)'}`, { skip: !hasPrlimit }, async () => {
    const rlimitOnly: LimitSupport = { memory: 'rlimit', cpu: 'none', io: 'none', paths: {}, prlimitPath, notes: [] }
    const limited = await group('rlimit', { memoryBytes: parseMemory('64Mi'), cpuMillis: 500 }, {}, rlimitOnly)
    expect(limited.enforcement).toMatchObject({ memory: 'rlimit', cpu: 'none', io: 'none' })
    expect(limited.enforcement.notes.join('\n')).toMatch(/RLIMIT_AS of 64Mi caps virtual memory[\s\S]*cpu: limit not enforced/)
    const sleeper = child('sleep', ['30'])
    await limited.addProcess(sleeper.pid)
    const limits = await readFile(`/proc/${sleeper.pid}/limits`, 'utf8')
    expect(limits).toMatch(/Max address space\s+67108864\s+67108864\s+bytes/)
    expect(await limited.oomKills()).toBe(0)
    expect(await limited.usage()).toEqual({})
  })

  it('reports io as not enforced, and why, without an ioDevicePath', async () => {
    const limited = await group('noio', { ioReadBps: 1_000_000 })
    expect(limited.enforcement.io).toBe('none')
    expect(limited.enforcement.notes.join('\n')).toMatch(/io: (limits need ioDevicePath|limit not enforced)/)
  })

  it.each(['../escape', 'a/b', '', '.hidden', '-flag', 'x'.repeat(101)])('refuses the group name %j', async name => {
    await expect(createLimitGroup(name, {}, support)).rejects.toMatchObject({ name: 'LimitGroupError', code: 'FLEET_ERR_LIMIT_GROUP' })
  })

  it.each([
    [{ memoryBytes: 64 }, /memoryBytes 64 is out of range: at least/],
    [{ cpuMillis: 1 }, /cpuMillis 1 is out of range: 10m/],
    [{ cpuMillis: 1.5 }, /cpuMillis 1.5 is out of range/],
    [{ ioWriteBps: -5 }, /ioWriteBps -5 is out of range/]
  ])('refuses the limits %j', async (limits, message) => {
    const refused = createLimitGroup(uniqueName('bad'), limits, support)
    await expect(refused).rejects.toMatchObject({ name: 'LimitValueError', code: 'FLEET_ERR_LIMIT_INVALID' })
    await expect(refused).rejects.toThrow(message)
  })

  it('refuses a process that has exited with a clear error', async () => {
    const limited = await group('gone', { memoryBytes: parseMemory('64Mi') })
    if (limited.enforcement.memory === 'none') return
    const done = child('true', [])
    await new Promise(resolve => done.once('exit', resolve))
    await new Promise(resolve => setTimeout(resolve, 50)) // reaped
    const refused = limited.addProcess(done.pid)
    await expect(refused).rejects.toMatchObject({ code: 'FLEET_ERR_LIMIT_GROUP' })
    await expect(refused).rejects.toThrow(`could not put process ${done.pid} under limit group`)
  })
})
