import { readFile } from 'node:fs/promises'

/**
 * The start time of `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat), or
 * undefined when there is no such process. A pid plus its start time names one process for
 * good: a pid reused after a reboot or a wrap-around has another start time, so an agent
 * restarted after `kill -9` never adopts or signals a stranger.
 */
export async function processStartTicks (pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
  if (stat == null) return undefined
  // The command name (field 2) is in parentheses and may contain spaces: parse after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state); field 22 is fields[19]. A zombie has exited already.
  if (fields[0] === 'Z') return undefined
  const ticks = Number(fields[19])
  return Number.isFinite(ticks) ? ticks : undefined
}
