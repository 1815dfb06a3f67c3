/**
 * Closes the copy-then-truncate window for a writer the agent started itself: its process
 * group is stopped (SIGSTOP) around the final catch-up and truncate, and continued right
 * after, a pause of well under a millisecond. Linux-only: /proc confirms the stop.
 */
import { ok as assert } from 'node:assert'
import { readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { PAUSE_WAIT_MS_MAX } from './constants.js'

/** A pause for LogRotatorInit.pause: stops the group led by `pgid`, resolves to the resume function. */
export function pauseProcessGroup (pgid: number): () => Promise<() => void> {
  // 0 or 1 would signal the agent's own group or every process: always a programmer error.
  assert(Number.isSafeInteger(pgid) && pgid > 1, `pauseProcessGroup needs the app's process group id, got ${pgid}`)
  return async () => {
    if (!signalGroup(pgid, 'SIGSTOP')) return () => {}
    const resume = (): void => { signalGroup(pgid, 'SIGCONT') }
    try {
      // kill() returns before the stop takes effect: a write already in the kernel finishes
      // first. Wait until the leader shows as stopped (bounded: rotate anyway after that).
      for (const start = Date.now(); Date.now() - start < PAUSE_WAIT_MS_MAX;) {
        if (await isStopped(pgid)) break
        await sleep(1)
      }
    } catch (err) {
      resume()
      throw err
    }
    return resume
  }
}

function signalGroup (pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal)
    return true
  } catch {
    return false // the group is gone: nothing writes any more
  }
}

async function isStopped (pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
  if (stat === undefined) return true // exited
  // `pid (comm) S …`: comm may hold spaces and parentheses, so the state follows the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  return state === 'T' || state === 't' || state === 'Z' || state === 'X'
}
