import { readdir, readFile } from 'node:fs/promises'
import { processStartTicks } from '../runtime/process/index.js'
import type { ProcessHandle } from '../runtime/process/index.js'

/** Environment variable carrying an instance's id into its process. */
export const INSTANCE_ENV = 'FLEETD_INSTANCE'

/**
 * Finds the process of an instance whose pid never reached the state file (the agent was
 * killed between spawning it and saving its handle) by the id in its environment, so the
 * restarted agent adopts it instead of starting a second copy on the same port. The app's own
 * children inherit the id, so the process-group leader is the one.
 */
export async function findInstanceProcess (id: string): Promise<ProcessHandle | undefined> {
  const needle = `${INSTANCE_ENV}=${id}\0`
  for (const entry of await readdir('/proc').catch(() => [])) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid <= 1) continue
    const environ = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '')
    if (!`${environ}\0`.includes(needle)) continue
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
    const processGroup = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2])
    if (processGroup !== pid) continue
    const startTicks = await processStartTicks(pid)
    if (startTicks != null) return { pid, startTicks }
  }
  return undefined
}
