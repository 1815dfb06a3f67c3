import { lpStream } from '@libp2p/utils'
import { decodeDeviceReport, DEVICE_REPORT_BYTES_MAX, encodeReportAck, WIRE_VERSION } from '../../proto/index.js'
import { REPORT_BATCH_MAX, REPORT_INBOUND_STREAMS_MAX, REPORT_RECEIVE_TIMEOUT_MS, REPORTS_PROTOCOL } from './constants.js'
import type { ReportReceiver, ReportReceiverInit } from './index.js'
import type { DeviceReport } from '../../proto/index.js'
import type { lpStream as LpStream } from '@libp2p/utils'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'

/** Persists one report; the receiver acks a report only after this resolved. */
export type ReportHandler = (report: DeviceReport, context: { from: string }) => Promise<void>

/**
 * The receiving side of /fleetd/reports/1.0.0 (the coordinator registers it): reads a batch of
 * DeviceReport frames up to an empty frame, hands each to `onReport` in order and waits for
 * it, then acks the highest seq handled. A report `onReport` failed on ends the batch: the
 * ack covers the ones before it, and the sender sends the rest again later. Duplicates are
 * possible (an ack lost on the way): `onReport` drops them by (device_id, seq).
 */
export async function reportReceiver (libp2p: Pick<Libp2p, 'handle' | 'unhandle'>, onReport: ReportHandler, init: ReportReceiverInit = {}): Promise<ReportReceiver> {
  const log = init.logger?.forComponent('fleet:reports')
  const counters = { received: 0, failed: 0, batches: 0 }

  const serve = async (stream: Stream, connection: Connection): Promise<void> => {
    const from = connection.remotePeer.toString()
    const lp = lpStream(stream, { maxDataLength: DEVICE_REPORT_BYTES_MAX })
    let acked = 0
    try {
      if (init.onBatch != null) {
        acked = await serveBatch(lp, init.onBatch, from)
      } else {
        for (let count = 0; ; count++) {
          const frame = await lp.read({ signal: AbortSignal.timeout(REPORT_RECEIVE_TIMEOUT_MS) })
          if (frame.byteLength === 0) break
          if (count >= REPORT_BATCH_MAX) throw new Error(`more than ${REPORT_BATCH_MAX} reports in one batch`)
          const report = decodeDeviceReport(frame)
          await onReport(report, { from })
          counters.received++
          acked = Math.max(acked, report.seq)
        }
      }
      counters.batches++
    } catch (err) {
      counters.failed++
      acked = Math.max(acked, (err as { acked?: number }).acked ?? 0)
      log?.warn('report batch from %s ended early after seq %d: %s', from, acked, (err as Error).message)
    }
    try {
      const options = { signal: AbortSignal.timeout(REPORT_RECEIVE_TIMEOUT_MS) }
      await lp.write(encodeReportAck({ version: WIRE_VERSION, seq: acked }), options)
      await stream.close(options)
    } catch (err) {
      stream.abort(err as Error)
    }
  }

  /** Reads the batch up to its empty frame, hands what decoded to `onBatch` at once, returns the seq to ack. */
  const serveBatch = async (lp: ReturnType<typeof LpStream>, onBatch: NonNullable<ReportReceiverInit['onBatch']>, from: string): Promise<number> => {
    const reports: DeviceReport[] = []
    let failure: Error | undefined
    try {
      for (;;) {
        const frame = await lp.read({ signal: AbortSignal.timeout(REPORT_RECEIVE_TIMEOUT_MS) })
        if (frame.byteLength === 0) break
        if (reports.length >= REPORT_BATCH_MAX) throw new Error(`more than ${REPORT_BATCH_MAX} reports in one batch`)
        reports.push(decodeDeviceReport(frame))
      }
    } catch (err) {
      failure = err as Error // the reports before it are still handled and acked
    }
    const handled = Math.min(await onBatch(reports, { from }), reports.length)
    counters.received += handled
    const acked = reports.slice(0, handled).reduce((max, r) => Math.max(max, r.seq), 0)
    if (failure != null) throw Object.assign(failure, { acked })
    if (handled < reports.length) throw Object.assign(new Error(`${reports.length - handled} of ${reports.length} reports could not be stored`), { acked })
    return acked
  }

  await libp2p.handle(REPORTS_PROTOCOL, (stream, connection) => { void serve(stream, connection) }, { maxInboundStreams: init.maxInboundStreams ?? REPORT_INBOUND_STREAMS_MAX })
  return {
    stats: () => ({ ...counters }),
    stop: async () => { await libp2p.unhandle(REPORTS_PROTOCOL) }
  }
}
