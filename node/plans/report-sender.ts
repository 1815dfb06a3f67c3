import { lpStream } from '@libp2p/utils'
import { decodeReportAck, REPORT_ACK_BYTES_MAX } from '../../proto/index.js'
import { backoffMs } from '../ports/index.js'
import {
  REPORT_BATCH_BYTES_MAX, REPORT_BATCH_MAX, REPORT_DELIVERY_TIMEOUT_MS, REPORT_FAILURES_QUIET_MAX, REPORT_IDLE_CHECK_MS,
  REPORT_REDIAL_RECEIVERS_MAX, REPORT_REIDENTIFY_PEERS_MAX,
  REPORT_RETRY_BASE_MS, REPORT_RETRY_CAP_MS, REPORTS_PROTOCOL
} from './constants.js'
import type { ReportSenderComponents, ReportSenderInit, ReportSenderStats } from './index.js'
import type { Logger } from '../logging/index.js'
import type { IdentifyResult, PeerId } from '@libp2p/interface'

type WakeReason = 'append' | 'receiver'

/**
 * Delivers the outbox to a connected peer that takes reports (its identify lists
 * /fleetd/reports/1.0.0: the coordinator), a batch per stream, dropping what the receiver
 * acked. Failures back off with full jitter up to a cap, and a receiver that appears cuts a
 * backoff short; new reports wake an idle sender. Nothing is dropped on failure: the outbox
 * keeps every report until acked (or until its bound drops the oldest).
 */
export class ReportSender {
  private readonly log: Logger
  private readonly counters: ReportSenderStats = { delivered: 0, batches: 0, failures: 0 }
  private controller?: AbortController
  private loopDone?: Promise<void>
  private waiter?: { wakeOn: ReadonlySet<WakeReason>, wake(): void }
  /** Wake-ups that came while no wait was on: the next wait for them returns at once, so none is lost. */
  private readonly woken = new Set<WakeReason>()
  private unsubscribe?: () => void
  private reidentifyCursor = 0

  constructor (private readonly c: ReportSenderComponents, private readonly init: ReportSenderInit = {}) {
    this.log = c.logger.forComponent('fleet:reports')
  }

  start (): void {
    if (this.controller != null) return
    this.controller = new AbortController()
    this.unsubscribe = this.c.outbox.onAppend(() => { this.wake('append') })
    this.c.libp2p.addEventListener('peer:identify', this.onIdentify)
    this.loopDone = this.loop(this.controller.signal)
  }

  async stop (): Promise<void> {
    if (this.controller == null) return
    this.controller.abort()
    this.controller = undefined
    this.unsubscribe?.()
    this.c.libp2p.removeEventListener('peer:identify', this.onIdentify)
    await this.loopDone
  }

  stats (): ReportSenderStats {
    return { ...this.counters }
  }

  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    if (evt.detail.protocols.includes(REPORTS_PROTOCOL)) this.wake('receiver')
  }

  private wake (reason: WakeReason): void {
    if (this.waiter?.wakeOn.has(reason) === true) this.waiter.wake()
    else this.woken.add(reason)
  }

  private async loop (signal: AbortSignal): Promise<void> {
    const idleMs = this.init.idleCheckMs ?? REPORT_IDLE_CHECK_MS
    let attempt = 0
    while (!signal.aborted) {
      if (this.c.outbox.stats().pending === 0) {
        await this.wait(idleMs, ['append', 'receiver'], signal)
        continue
      }
      const peer = await this.receiver()
      if (peer == null) {
        await this.reidentify(signal)
        if (await this.redialReceiver(signal)) continue
        await this.wait(idleMs, ['receiver'], signal)
        continue
      }
      try {
        await this.deliver(peer, signal)
        attempt = 0
      } catch (err) {
        if (signal.aborted) return
        this.counters.failures++
        this.counters.lastError = (err as Error).message
        const delayMs = backoffMs(attempt++, this.init.retryBaseMs ?? REPORT_RETRY_BASE_MS, this.init.retryCapMs ?? REPORT_RETRY_CAP_MS, this.c.random)
        // The first failures are routine (a receiver restarting); a run of them is worth an operator's eye.
        const level = attempt > REPORT_FAILURES_QUIET_MAX ? 'info' : 'debug'
        this.log[level]('report delivery to %s failed %d time(s) in a row (%s); %d pending; retrying in %d ms',
          peer.toString(), attempt, (err as Error).message, this.c.outbox.stats().pending, delayMs)
        await this.wait(delayMs, ['receiver'], signal)
      }
    }
  }

  /** One batch to one receiver; throws unless every report of the batch was acked. */
  private async deliver (peer: PeerId, signal: AbortSignal): Promise<void> {
    const batch = await this.c.outbox.peek(this.init.batchMax ?? REPORT_BATCH_MAX, REPORT_BATCH_BYTES_MAX)
    const last = batch.at(-1)?.seq
    // Only a failed disk read leaves nothing to send while reports are pending: back off, do not spin.
    if (last == null) throw new Error('the outbox has pending reports but none could be read')
    const options = { signal: AbortSignal.any([signal, AbortSignal.timeout(REPORT_DELIVERY_TIMEOUT_MS)]) }
    const stream = await this.c.libp2p.dialProtocol(peer, REPORTS_PROTOCOL, options)
    try {
      const lp = lpStream(stream, { maxDataLength: REPORT_ACK_BYTES_MAX })
      await lp.writeV([...batch.map(e => e.bytes), new Uint8Array(0)], options)
      const ack = decodeReportAck(await lp.read(options))
      await stream.close(options)
      // An ack past the batch would drop reports the receiver never saw.
      const removed = await this.c.outbox.ack(Math.min(ack.seq, last))
      this.counters.delivered += removed
      this.counters.batches++
      this.counters.lastDeliveredMs = this.c.clock.nowMs()
      if (removed < batch.length) throw new Error(`the receiver persisted ${removed} of ${batch.length} reports`)
      this.log.debug('delivered %d report(s) to %s', removed, peer.toString())
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }

  /** A connected peer whose identify lists the reports protocol. */
  private async receiver (): Promise<PeerId | undefined> {
    for (const connection of this.c.libp2p.getConnections()) {
      if (connection.status !== 'open') continue
      const peer = await this.c.libp2p.peerStore.get(connection.remotePeer).catch(() => undefined)
      if (peer?.protocols.includes(REPORTS_PROTOCOL) === true) return connection.remotePeer
    }
    return undefined
  }

  /**
   * No connected peer takes reports, but the peer store remembers one that did (the coordinator
   * before a partition, a reboot or a restart of either side). The mesh redials only its
   * bootstrap peers and peers discovery reports again, and its backoff can be long after a long
   * partition: a device whose reports wait must not depend on that, so it dials the receiver
   * itself. True when a connection opened (identify then tells whether it still takes reports).
   */
  private async redialReceiver (signal: AbortSignal): Promise<boolean> {
    const known = await this.c.libp2p.peerStore.all({
      filters: [(peer) => peer.protocols.includes(REPORTS_PROTOCOL) && peer.addresses.length > 0],
      limit: REPORT_REDIAL_RECEIVERS_MAX
    }).catch(() => [])
    for (const peer of known) {
      if (signal.aborted) return false
      try {
        await this.c.libp2p.dial(peer.id, { signal: AbortSignal.any([signal, AbortSignal.timeout(REPORT_DELIVERY_TIMEOUT_MS)]) })
        this.log.info('dialled %s, which took reports before, to deliver %d pending report(s)', peer.id.toString(), this.c.outbox.stats().pending)
        return true
      } catch (err) {
        this.log.debug('could not dial report receiver %s: %s', peer.id.toString(), (err as Error).message)
      }
    }
    return false
  }

  /**
   * The mesh runs identify only when a connection opens: a coordinator that registered its
   * handler later is not known to take reports. Ask a few connected peers again, in turn.
   */
  private async reidentify (signal: AbortSignal): Promise<void> {
    const connections = this.c.libp2p.getConnections().filter(c => c.status === 'open')
    for (let i = 0; i < Math.min(REPORT_REIDENTIFY_PEERS_MAX, connections.length); i++) {
      const connection = connections[(this.reidentifyCursor++) % connections.length]
      if (connection == null || signal.aborted) return
      await this.c.libp2p.services.identify.identify(connection, { signal: AbortSignal.any([signal, AbortSignal.timeout(REPORT_DELIVERY_TIMEOUT_MS)]) })
        .catch((err: unknown) => { this.log.debug('identify of %s failed: %s', connection.remotePeer.toString(), (err as Error).message) })
    }
  }

  /** Sleeps `ms`, or less when one of `wakeOn` happens. */
  private async wait (ms: number, wakeOn: WakeReason[], signal: AbortSignal): Promise<void> {
    const pending = wakeOn.filter(r => this.woken.has(r))
    for (const reason of wakeOn) this.woken.delete(reason)
    if (pending.length > 0) return
    const local = new AbortController()
    this.waiter = { wakeOn: new Set(wakeOn), wake: () => { local.abort() } }
    try {
      await this.c.clock.sleep(ms, { signal: AbortSignal.any([signal, local.signal]) })
    } catch {
      // Woken or stopped: the loop checks which.
    } finally {
      this.waiter = undefined
    }
  }
}
