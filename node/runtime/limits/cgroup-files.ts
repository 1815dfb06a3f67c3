/**
 * Small helpers over cgroup control files. Control files are tiny text files the kernel
 * generates; a write is one `write(2)` whose errno is the kernel's answer (EINVAL for a bad
 * value, EBUSY for a busy group, ESRCH for a vanished pid).
 */
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** Reads a control file, or undefined when it does not exist (an older kernel, a removed group). */
export async function readControl (dir: string, file: string): Promise<string | undefined> {
  try {
    return await readFile(join(dir, file), 'utf8')
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENODEV')) return undefined
    throw err
  }
}

/**
 * Writes a control file as `echo value > file` does; cgroupfs ignores the truncation and
 * refuses to create files, so a missing control file fails instead of appearing.
 */
export async function writeControl (dir: string, file: string, value: string): Promise<void> {
  await writeFile(join(dir, file), value)
}

/** The value of `key` in a flat-keyed file such as memory.events (`oom_kill 3`) or cpu.stat. */
export function keyedValue (text: string | undefined, key: string): number | undefined {
  for (const line of (text ?? '').split('\n')) {
    const [name, value] = line.trim().split(/\s+/)
    if (name === key && value !== undefined) {
      const n = Number(value)
      return Number.isFinite(n) ? n : undefined
    }
  }
  return undefined
}

/** The pids in a group (its cgroup.procs), empty when the group is gone. */
export async function groupPids (dir: string): Promise<number[]> {
  const text = await readControl(dir, 'cgroup.procs')
  return (text ?? '').split('\n').filter(line => line !== '').map(Number)
}

/** mkdir that tolerates an existing directory, so a group left by a crashed agent is reused. */
export async function ensureDir (dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
}

/** rmdir that treats a missing directory as removed. Throws EBUSY while processes remain. */
export async function removeDir (dir: string): Promise<void> {
  try {
    await rmdir(dir)
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err
  }
}

/**
 * The directory of this process's own group in a hierarchy, from /proc/self/cgroup: where
 * leftover processes go back to when a group is removed. `controller` is a v1 controller name,
 * or '' for the unified (v2) hierarchy. Undefined when the agent's group is not visible here
 * (a container with a private mount of the hierarchy).
 */
export async function ownGroupDir (mountDir: string, controller: string): Promise<string | undefined> {
  const text = await readFile('/proc/self/cgroup', 'utf8').catch(() => '')
  for (const line of text.split('\n')) {
    // "4:memory:/process_api/x" (v1, possibly "cpu,cpuacct"), "0::/system.slice/fleetd.service" (v2)
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? []
    if (controllers === undefined || path === undefined) continue
    const matches = controller === '' ? controllers === '' : controllers.split(',').includes(controller)
    if (!matches) continue
    const dir = join(mountDir, path)
    return (await readControl(dir, 'cgroup.procs')) === undefined ? undefined : dir
  }
  return undefined
}

export function isErrno (err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code
}

export function errnoOf (err: unknown): string {
  return err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err)
}
