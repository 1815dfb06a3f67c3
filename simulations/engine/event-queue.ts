/**
 * The pending events, a binary min-heap keyed by (time, insertion seq): events at the same
 * virtual time run in the order they were scheduled, so ties never depend on heap layout.
 */

export interface SimEvent {
  atMs: number
  seq: number
  /** Short event kind for the trace (`deliver`, `heartbeat`…). */
  kind: string
  /** Node the event belongs to (-1: the world). */
  node: number
  run: () => void
}

export class EventQueue {
  private readonly heap: SimEvent[] = []

  get size (): number { return this.heap.length }

  push (event: SimEvent): void {
    const h = this.heap
    h.push(event)
    let i = h.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(event, h[parent] as SimEvent)) break
      h[i] = h[parent] as SimEvent
      i = parent
    }
    h[i] = event
  }

  peek (): SimEvent | undefined { return this.heap[0] }

  pop (): SimEvent | undefined {
    const h = this.heap
    const top = h[0]
    const last = h.pop()
    if (top === undefined || last === undefined || h.length === 0) return top
    let i = 0
    const n = h.length
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      const child = r < n && before(h[r] as SimEvent, h[l] as SimEvent) ? r : l
      if (!before(h[child] as SimEvent, last)) break
      h[i] = h[child] as SimEvent
      i = child
    }
    h[i] = last
    return top
  }
}

function before (a: SimEvent, b: SimEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq)
}
