/**
 * Namespace lifecycle: naming, creation, and removal that survives failures. Every namespace this
 * process creates is recorded in a process-wide set so the synchronous 'exit' hook can remove it
 * even if a test never reached destroy(); names carry the owning pid so a later run can remove
 * what a crashed (SIGKILLed) run left behind. A module-level set breaks STYLE rule 2 on purpose:
 * an exit hook can only see process-wide state.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { ip, ipSync } from './netns-exec.js'
import { KILL_GRACE_MS, KILL_POLL_MS, LABEL_CHARS_MAX, NETNS_PREFIX_ROOT } from './netns-constants.js'

const owned = new Set<string>()
let exitHookInstalled = false

/**
 * A fresh tag `fdt-<pid>-<random>[-label]`; the random part keeps two networks of one process
 * (or of vitest worker threads, which share a pid) apart.
 */
export function namespaceTag (label?: string): string {
  const clean = (label ?? '').replace(/[^a-z0-9]/gi, '').slice(0, LABEL_CHARS_MAX)
  const tag = `${NETNS_PREFIX_ROOT}-${process.pid}-${randomBytes(3).toString('hex')}`
  return clean === '' ? tag : `${tag}-${clean}`
}

/** Creates the namespaces in one `ip -batch`, recording them first so a crash mid-way is covered. */
export async function addNamespaces (names: readonly string[]): Promise<void> {
  installExitHook()
  for (const name of names) owned.add(name)
  await ip(['-batch', '-'], names.map((name) => `netns add ${name}\n`).join(''))
}

/** Pids of every process whose network namespace is `name` (none if it does not exist). */
export async function namespacePids (name: string): Promise<number[]> {
  const out = await ip(['netns', 'pids', name]).catch(() => '')
  return parsePids(out)
}

/**
 * Kills everything running in the namespaces (SIGTERM, up to KILL_GRACE_MS, then SIGKILL) and
 * deletes them. A namespace lives on while any process is inside it, so the kill comes first.
 * Safe to call for namespaces that no longer exist.
 */
export async function removeNamespaces (names: readonly string[]): Promise<void> {
  if (names.length === 0) return
  const pids = (await Promise.all(names.map(namespacePids))).flat()
  for (const pid of pids) signal(pid, 'SIGTERM')
  const deadline = Date.now() + KILL_GRACE_MS
  let alive = pids
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, KILL_POLL_MS))
    alive = alive.filter(isAlive)
  }
  for (const pid of alive) signal(pid, 'SIGKILL')
  // -force: keep going past a namespace that is already gone, so one stray never blocks the rest.
  await ip(['-force', '-batch', '-'], names.map((name) => `netns del ${name}\n`).join('')).catch(() => {})
  for (const name of names) owned.delete(name)
}

/** Names of all namespaces on the machine, from `ip netns list` ("name (id: 3)" lines). */
export async function listNamespaces (): Promise<string[]> {
  const out = await ip(['netns', 'list'])
  return out.split('\n').map((line) => line.split(' ')[0] ?? '').filter((name) => name !== '')
}

/**
 * Deletes namespaces named `<prefixRoot>-<pid>-…` whose pid is no longer alive: leftovers of runs
 * that were killed before their exit hook could run. Returns the names it removed.
 */
export async function removeStaleNamespaces (prefixRoot = NETNS_PREFIX_ROOT): Promise<string[]> {
  const pattern = new RegExp(`^${prefixRoot.replace(/[^a-z0-9]/gi, '\\$&')}-(\\d+)-`)
  const stale = (await listNamespaces()).filter((name) => {
    const pid = Number(pattern.exec(name)?.[1] ?? Number.NaN)
    return Number.isInteger(pid) && pid !== process.pid && !isAlive(pid)
  })
  await removeNamespaces(stale)
  return stale
}

function installExitHook (): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    // No waiting is possible here, so there is no SIGTERM grace: SIGKILL, then delete.
    for (const name of owned) {
      for (const pid of parsePids(ipSync(['netns', 'pids', name]))) signal(pid, 'SIGKILL')
      ipSync(['netns', 'del', name])
    }
    owned.clear()
  })
}

function parsePids (out: string): number[] {
  return out.split('\n').map(Number).filter((pid) => Number.isInteger(pid) && pid > 0)
}

/**
 * A zombie counts as gone: it has already left its namespaces, and here pid 1 may never reap the
 * orphans of killed shells, so waiting for it to vanish would always cost the full grace period.
 */
function isAlive (pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    return state !== 'Z' && state !== 'X'
  } catch {
    return false // no /proc entry: the process is gone
  }
}

function signal (pid: number, name: NodeJS.Signals): void {
  // Never our own process: it is not inside a test namespace, but a bug must not make it suicide.
  if (pid === process.pid) return
  try { process.kill(pid, name) } catch { /* already gone */ }
}
