import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { decodeLogFrame, LOG_FRAME_BYTES_MAX } from '../../proto/index.js'
import { LogRequestError } from '../runtime/logs/index.js'
import { LOG_REQUEST_TTL_MS, LOGS_OPEN_TIMEOUT_MS, LOGS_PROTOCOL } from './constants.js'
import { LogsRefusedError, LogsUnknownAppError, LogsUnreachableError } from './errors.js'
import { signLogRequest } from './request-signing.js'
import type { DeviceLogsComponents, DeviceLogStream, LogChunk, LogsQuery } from './index.js'
import type { LogFrame } from '../../proto/index.js'
import type { AbortOptions, Stream } from '@libp2p/interface'

/**
 * Opens an app's log stream on a device (the coordinator's side of /fleetd/logs/1.0.0): dials
 * the device, sends a request signed by the coordinator key, and resolves once the device has
 * accepted it, so a caller can answer "unknown app" or "unreachable" before streaming anything.
 */
export async function openDeviceLogs (c: DeviceLogsComponents, query: LogsQuery, options: AbortOptions = {}): Promise<DeviceLogStream> {
  const opening = AbortSignal.any([...(options.signal != null ? [options.signal] : []), AbortSignal.timeout(LOGS_OPEN_TIMEOUT_MS)])
  let stream: Stream
  try {
    stream = await c.libp2p.dialProtocol(peerIdFromString(query.deviceId), LOGS_PROTOCOL, { signal: opening })
  } catch (err) {
    throw new LogsUnreachableError(`device ${query.deviceId} cannot be reached on the mesh (${why(err)}); check that its fleet-node runs and is connected (fleets devices shows when it was last seen), then retry`, { cause: err })
  }
  const lp = lpStream(stream, { maxDataLength: LOG_FRAME_BYTES_MAX })
  let first: LogFrame
  try {
    const nowMs = c.clock.nowMs()
    await lp.write(await signLogRequest({
      fleetId: c.fleetId, deviceId: query.deviceId, requester: c.libp2p.peerId.toString(), app: query.app, tailLines: query.tailLines,
      follow: query.follow, sinceMs: query.sinceMs ?? 0, issuedMs: nowMs, expiresMs: nowMs + LOG_REQUEST_TTL_MS
    }, c.signingKey), { signal: opening })
    first = decodeLogFrame(await lp.read({ signal: opening }))
  } catch (err) {
    stream.abort(err as Error)
    throw new LogsUnreachableError(`device ${query.deviceId} did not answer the logs request (${why(err)}); retry, or check its fleet-node's log`, { cause: err })
  }
  if (first.errorCode !== '') {
    await stream.close().catch(() => { stream.abort(new Error('closing')) })
    throw frameError(first)
  }
  if (!first.accepted) {
    stream.abort(new Error('no acceptance'))
    throw new LogsUnreachableError(`device ${query.deviceId} answered the logs request without accepting it; upgrade its fleet-node`)
  }
  // Paused between reads: the muxer then stops granting the device send window, so a reader
  // that does not read holds the device's writes back (its bounded buffer drops the oldest)
  // instead of this side buffering without end.
  stream.pause()
  return new LogStreamReader(stream, lp, query.deviceId)
}

class LogStreamReader implements DeviceLogStream {
  private closed = false
  constructor (private readonly stream: Stream, private readonly lp: ReturnType<typeof lpStream<Stream>>, private readonly deviceId: string) {}

  async * [Symbol.asyncIterator] (): AsyncGenerator<LogChunk> {
    try {
      while (!this.closed) {
        let frame: LogFrame
        try {
          if (this.stream.readStatus === 'paused') this.stream.resume()
          frame = decodeLogFrame(await this.lp.read())
          if (this.stream.readStatus === 'readable') this.stream.pause()
        } catch (err) {
          if (this.closed) return
          throw new LogsUnreachableError(`the log stream from device ${this.deviceId} broke (${why(err)}); run the command again to resume`, { cause: err })
        }
        if (frame.errorCode !== '') throw frameError(frame)
        if (frame.lines.length > 0 || frame.dropped > 0) yield { lines: frame.lines, dropped: frame.dropped }
        if (frame.end) return
      }
    } finally {
      this.close()
    }
  }

  /** Ends the stream; the device stops following at once (it sees the stream reset). */
  close (): void {
    if (this.closed) return
    this.closed = true
    this.stream.abort(new Error('the requester closed the log stream'))
  }
}

function frameError (frame: LogFrame): Error {
  switch (frame.errorCode) {
    case LogsRefusedError.code: return new LogsRefusedError(frame.errorMessage)
    case LogsUnknownAppError.code: return new LogsUnknownAppError(frame.errorMessage)
    case LogRequestError.code: return new LogRequestError(frame.errorMessage)
    default: return new LogsUnreachableError(`the device failed to serve logs: ${frame.errorMessage} (${frame.errorCode.slice(0, 64)})`)
  }
}

function why (err: unknown): string {
  const e = err as { name?: string, message?: string }
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${LOGS_OPEN_TIMEOUT_MS / 1000} s`
  if (e.name === 'UnsupportedProtocolError') return 'its fleet-node does not serve logs; upgrade it'
  return `${e.name ?? 'Error'}: ${e.message ?? String(err)}`.slice(0, 300)
}
