/**
 * A device's durable report outbox and its sender (node/plans report-outbox and report-sender):
 * reports wait on the device — across churn and partitions — until the coordinator has acked
 * them. Delivery takes one direct connection to the coordinator, batches of REPORT_BATCH_MAX,
 * and full-jitter backoff from the real `backoffMs` between failed attempts.
 */
import { REPORT_BATCH_MAX, REPORT_DELIVERY_TIMEOUT_MS, REPORT_RETRY_BASE_MS, REPORT_RETRY_CAP_MS } from '../../node/plans/constants.js'
import { backoffMs } from '../../node/ports/index.js'
import type { SimRandom, Simulation } from '../engine/index.js'
import type { Network } from '../network/index.js'
import type { RolloutReport } from '../../node/coordinator/rollout/index.js'

/** Bytes of one DeviceReport on the wire (ids, step, version, a short error). */
export const REPORT_BYTES = 220
const ACK_BYTES = 48

export interface ReportReceiver {
  readonly node: number
  receiveReports(from: number, reports: readonly RolloutReport[]): void
}

export class ReportOutbox {
  private readonly entries: RolloutReport[] = []
  private sending = false
  private attempt = 0
  private retryAtMs = -1
  delivered = 0

  constructor (private readonly node: number, private readonly sim: Simulation, private readonly net: Network, private readonly random: SimRandom, private readonly coordinator: ReportReceiver) {}

  get size (): number { return this.entries.length }

  append (report: RolloutReport): void {
    this.entries.push(report)
    if (this.retryAtMs < this.sim.nowMs) this.flush()
  }

  /** The node came back (or its site healed): try now instead of waiting out the backoff. */
  wake (): void {
    if (this.entries.length > 0 && !this.sending) this.flush()
  }

  private flush (): void {
    if (this.sending || this.entries.length === 0) return
    const batch = this.entries.slice(0, REPORT_BATCH_MAX)
    this.sending = true
    let settled = false
    const done = (ok: boolean): void => {
      if (settled) return
      settled = true
      this.sending = false
      if (ok) {
        this.entries.splice(0, batch.length)
        this.delivered += batch.length
        this.attempt = 0
        this.retryAtMs = -1
        this.flush()
      } else {
        this.retry()
      }
    }
    const c = this.coordinator
    const sent = this.net.send(this.node, c.node, REPORT_BYTES * batch.length, 'reports', () => {
      c.receiveReports(this.node, batch)
      this.net.send(c.node, this.node, ACK_BYTES, 'report-ack', () => { done(true) })
    })
    if (!sent) {
      done(false)
      return
    }
    this.sim.after(REPORT_DELIVERY_TIMEOUT_MS, 'report-timeout', this.node, () => { done(false) })
  }

  private retry (): void {
    const delay = Math.max(1, backoffMs(this.attempt++, REPORT_RETRY_BASE_MS, REPORT_RETRY_CAP_MS, this.random))
    const at = this.sim.nowMs + delay
    this.retryAtMs = at
    this.sim.at(at, 'report-retry', this.node, () => {
      if (this.retryAtMs === at) this.flush()
    })
  }
}
