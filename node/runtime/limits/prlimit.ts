/**
 * The memory fallback where no memory cgroup is writable: RLIMIT_AS set on a running process
 * with util-linux's prlimit (Node has no setrlimit for another pid). It caps virtual address
 * space, so it is weaker than a cgroup: allocations fail (ENOMEM) instead of an OOM kill.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { PRLIMIT_TIMEOUT_MS } from './constants.js'

const execFileAsync = promisify(execFile)

/** Sets the soft and hard RLIMIT_AS of `pid` to `bytes`. Rejects with prlimit's own message. */
export async function setAddressSpaceLimit (prlimitPath: string, pid: number, bytes: number): Promise<void> {
  try {
    await execFileAsync(prlimitPath, [`--pid=${pid}`, `--as=${bytes}`], { timeout: PRLIMIT_TIMEOUT_MS })
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim()
    throw new Error(stderr !== undefined && stderr !== '' ? stderr : String(err), { cause: err })
  }
}
