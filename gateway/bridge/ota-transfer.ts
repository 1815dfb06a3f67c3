/**
 * The data phase of an OTA: up to `window` OTA_DATA frames in flight, cumulative acks, go-back
 * to the device's expected offset on BAD_OFFSET, go-back to the last ack on a timeout. Throws
 * DeviceResetError when the device reboots under it (a HEALTH frame arrives), so the caller
 * resumes from what the device says it holds.
 */
import { MsgType, WireError } from './constants.js'
import { BridgeDeviceError, BridgeOtaError, BridgeTimeoutError } from './errors.js'
import { decodeDataAnswer, encodeData } from './messages.js'
import type { BridgeClient } from './client.js'
import type { AbortOptions } from '../../node/ports/index.js'

export class DeviceResetError extends Error {
  constructor () {
    super('the device rebooted during the transfer')
    this.name = 'DeviceResetError'
  }
}

export interface TransferStats { bytesSent: number, retransmittedBytes: number, timeouts: number }

export interface TransferParams {
  image: Uint8Array
  startOffset: number
  windowFrames: number
  chunkBytes: number
  ackTimeoutMs: number
  /** Ack timeouts in a row before giving up on this connection. */
  timeoutsMax: number
  stats: TransferStats
  onProgress?: (acked: number) => void
}

type Event = { kind: 'ack', next: number } | { kind: 'error', error: unknown, offset: number }

export async function transferImage (client: BridgeClient, p: TransferParams, options: AbortOptions = {}): Promise<void> {
  const size = p.image.length
  let acked = p.startOffset
  let next = p.startOffset
  let highestSent = p.startOffset
  let inFlight = 0
  let rewoundTo = -1
  let timeoutsInRow = 0
  let reset = false
  const events: Event[] = []
  let wake: (() => void) | undefined
  const poke = (): void => { const w = wake; wake = undefined; w?.() }
  const offHealth = client.onHealth(() => { reset = true; poke() })

  const send = (offset: number, length: number): void => {
    inFlight++
    p.stats.bytesSent += length
    if (offset < highestSent) p.stats.retransmittedBytes += length
    highestSent = Math.max(highestSent, offset + length)
    client.request(MsgType.OTA_DATA, encodeData(offset, p.image.subarray(offset, offset + length)), { timeoutMs: p.ackTimeoutMs, signal: options.signal })
      .then((answer) => { events.push({ kind: 'ack', next: decodeDataAnswer(answer) }) }, (error: unknown) => { events.push({ kind: 'error', error, offset }) })
      .finally(() => { inFlight--; poke() })
  }

  try {
    while (acked < size) {
      options.signal?.throwIfAborted()
      if (reset) throw new DeviceResetError()
      while (next < size && inFlight < p.windowFrames) {
        const length = Math.min(p.chunkBytes, size - next)
        send(next, length)
        next += length
      }
      if (events.length === 0) await new Promise<void>((resolve) => { wake = resolve })
      for (const event of events.splice(0)) {
        if (event.kind === 'ack') {
          if (event.next > acked) { acked = event.next; timeoutsInRow = 0; p.onProgress?.(acked) }
          continue
        }
        const error = event.error
        if (error instanceof BridgeDeviceError && error.wireCode === WireError.BAD_OFFSET) {
          // A frame was lost or corrupted: every later frame in the window is refused with the
          // same expected offset; go back once per gap.
          const expected = error.detail
          if (expected > acked) acked = expected
          if (expected !== rewoundTo && next > expected) { next = expected; rewoundTo = expected }
          continue
        }
        if (error instanceof BridgeTimeoutError) {
          if (client.closed) throw error
          if (event.offset > acked) continue // a later frame of a window already being resent
          p.stats.timeouts++
          if (++timeoutsInRow > p.timeoutsMax) throw error
          next = acked
          rewoundTo = -1
          continue
        }
        if (error instanceof BridgeDeviceError && error.wireCode === WireError.NO_SESSION) throw new DeviceResetError()
        throw error
      }
    }
    if (reset) throw new DeviceResetError()
  } finally {
    offHealth()
  }
  if (acked !== size) throw new BridgeOtaError(`transfer ended at ${acked} of ${size} bytes`, 'failed')
}
