import type { RefusalEvent } from './fleet-guard.js'

/** Bounded record of refused connections, for `fleet-node status`. */
const RECENT_MAX = 20

export interface RefusalSummary {
  total: number
  recent: Array<RefusalEvent & { atMs: number }>
}

export class RefusalLog {
  private total = 0
  private readonly recent: Array<RefusalEvent & { atMs: number }> = []

  add (event: RefusalEvent, nowMs: number): void {
    this.total++
    this.recent.push({ ...event, atMs: nowMs })
    if (this.recent.length > RECENT_MAX) this.recent.shift()
  }

  summary (): RefusalSummary {
    return { total: this.total, recent: [...this.recent] }
  }
}
