/**
 * Polls `probe` every `intervalMs` until it returns a value, or throws after `timeoutMs` with the
 * last error and `logs()` (the processes' log tails, so a CI failure explains itself). An error
 * marked `{ fatal: true }` ends the wait at once.
 */
export async function pollUntil<T> (what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, logs: () => string, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (err) {
      if ((err as { fatal?: boolean }).fatal === true) throw new Error(`${(err as Error).message}\n${logs()}`)
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last != null ? ` (last error: ${(last as Error).message})` : ''}\n${logs()}`)
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
}
