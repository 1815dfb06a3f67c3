/**
 * Serialises GC against everything that writes blocks. Imports, fetches and registrations take
 * the lock `shared` (many at once: a node may fetch several artifacts while importing another);
 * GC takes it `exclusive`, because a block written during its sweep whose DAG is not yet pinned
 * would be collected (content/store/gc.ts). A plain mutex would also serialise fetches with each
 * other, which the swarm does not need.
 *
 * Grants are first come, first served: once GC waits, later shared requests queue behind it,
 * so a steady stream of fetches cannot starve it (and GC, bounded by the store's size, cannot
 * starve them). The exception is `urgent` shared requests — short pin and manifest updates that
 * a CLI waits for with a timeout: a GC that has not started yet has not looked at the pins, so
 * they go ahead of it instead of waiting out every fetch in front of it.
 */
export type LockMode = 'shared' | 'exclusive'

export interface AcquireOptions {
  signal?: AbortSignal
  /** Shared only: wait for a running exclusive holder, not for queued ones. @default false */
  urgent?: boolean
}

interface Waiter { mode: LockMode, grant: () => void }

export class StoreLock {
  private sharedHeld = 0
  private exclusiveHeld = false
  private readonly queue: Waiter[] = []

  /**
   * Waits for the lock; resolves with the function that releases it (call it exactly once).
   * An abort while waiting leaves the queue and rejects with the signal's reason.
   */
  async acquire (mode: LockMode, options: AcquireOptions = {}): Promise<() => void> {
    const { signal } = options
    const urgent = options.urgent === true
    if (urgent && mode !== 'shared') throw new TypeError('only a shared request can be urgent')
    signal?.throwIfAborted()
    if ((this.queue.length === 0 || urgent) && this.free(mode)) return this.take(mode)
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        mode,
        grant: () => { signal?.removeEventListener('abort', onAbort); resolve() }
      }
      const onAbort = (): void => {
        const at = this.queue.indexOf(waiter)
        if (at >= 0) this.queue.splice(at, 1)
        this.pump()
        reject(signal?.reason as Error)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      if (urgent) this.queue.unshift(waiter)
      else this.queue.push(waiter)
    })
    return this.release(mode)
  }

  /** Runs `fn` holding the lock in `mode`. */
  async with<T> (mode: LockMode, fn: () => Promise<T>, options: AcquireOptions = {}): Promise<T> {
    const release = await this.acquire(mode, options)
    try {
      return await fn()
    } finally {
      release()
    }
  }

  /** What holds the lock and how many wait (for status output and tests). */
  state (): { shared: number, exclusive: boolean, waiting: number } {
    return { shared: this.sharedHeld, exclusive: this.exclusiveHeld, waiting: this.queue.length }
  }

  private free (mode: LockMode): boolean {
    return mode === 'shared' ? !this.exclusiveHeld : !this.exclusiveHeld && this.sharedHeld === 0
  }

  private take (mode: LockMode): () => void {
    this.hold(mode)
    return this.release(mode)
  }

  private hold (mode: LockMode): void {
    if (mode === 'shared') this.sharedHeld++
    else this.exclusiveHeld = true
  }

  private release (mode: LockMode): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      if (mode === 'shared') this.sharedHeld--
      else this.exclusiveHeld = false
      this.pump()
    }
  }

  /** Grants the head of the queue while it is free: one exclusive, or a run of shared. */
  private pump (): void {
    for (let head = this.queue[0]; head != null && this.free(head.mode); head = this.queue[0]) {
      this.queue.shift()
      this.hold(head.mode)
      head.grant()
      if (head.mode === 'exclusive') return
    }
  }
}
