/**
 * Request/answer over a ByteLink: numbers each request (seq 1..255, never one still pending),
 * matches answers by seq, times them out on the injected clock, and hands unasked HEALTH frames
 * to listeners. Many requests may be in flight at once (the OTA window relies on it).
 */
import { assert } from './assert.js'
import { MsgType, REQUEST_PAYLOAD, RESPONSE_BIT } from './constants.js'
import { BridgeDeviceError, BridgeTimeoutError } from './errors.js'
import { encodeFrame, FrameDecoder } from './frame.js'
import { decodeError, decodeHealth } from './messages.js'
import type { HealthReport } from './messages.js'
import type { ByteLink, Unsubscribe } from '../link/index.js'
import type { AbortOptions, Clock } from '../../node/ports/index.js'

export interface RequestOptions extends AbortOptions { timeoutMs: number }

interface Pending { type: number, resolve: (payload: Uint8Array) => void, reject: (error: Error) => void }

export interface BridgeClientStats { framesSent: number, framesReceived: number, badFrames: number, staleAnswers: number }

export class BridgeClient {
  private readonly decoder = new FrameDecoder()
  private readonly pending = new Map<number, Pending>()
  private readonly healthListeners = new Set<(health: HealthReport) => void>()
  private readonly unsubscribe: Unsubscribe[] = []
  private nextSeq = 1
  private closedError?: Error
  readonly stats: BridgeClientStats = { framesSent: 0, framesReceived: 0, badFrames: 0, staleAnswers: 0 }

  /** `firstSeq` differs per connection so a stale answer from a previous one rarely shares a seq. */
  constructor (readonly link: ByteLink, private readonly clock: Clock, firstSeq = 1) {
    this.nextSeq = 1 + ((firstSeq - 1) % 255 + 255) % 255
    this.unsubscribe.push(link.onData((chunk) => { this.receive(chunk) }))
    this.unsubscribe.push(link.onClose((error) => {
      this.fail(new BridgeTimeoutError(`link ${link.description} closed${error === undefined ? '' : `: ${error.message}`}; check the cable or the port, then retry (the OTA resumes where it stopped)`))
    }))
  }

  get closed (): boolean { return this.closedError !== undefined }

  onHealth (listener: (health: HealthReport) => void): Unsubscribe {
    this.healthListeners.add(listener)
    return () => { this.healthListeners.delete(listener) }
  }

  /** The next HEALTH frame after this call; rejects after `timeoutMs`. */
  async nextHealth (options: RequestOptions): Promise<HealthReport> {
    const controller = new AbortController()
    const signal = options.signal === undefined ? controller.signal : AbortSignal.any([controller.signal, options.signal])
    let off: Unsubscribe | undefined
    try {
      return await Promise.race([
        new Promise<HealthReport>((resolve) => { off = this.onHealth(resolve) }),
        this.clock.sleep(options.timeoutMs, { signal }).then(() => {
          throw new BridgeTimeoutError(`no health report from ${this.link.description} within ${options.timeoutMs} ms; the MCU may be crash-looping or held in reset`)
        })
      ])
    } finally {
      off?.()
      controller.abort()
    }
  }

  /** Sends one request and resolves with the answer's payload; an ERROR answer rejects with BridgeDeviceError. */
  async request (type: number, payload: Uint8Array, options: RequestOptions): Promise<Uint8Array> {
    if (this.closedError !== undefined) throw this.closedError
    const bounds = REQUEST_PAYLOAD[type]
    assert(bounds !== undefined, `request type 0x${type.toString(16)}`)
    assert(payload.length >= bounds[0] && payload.length <= bounds[1], `request payload ${payload.length} within bounds`)
    const seq = this.allocateSeq()
    const controller = new AbortController()
    const signal = options.signal === undefined ? controller.signal : AbortSignal.any([controller.signal, options.signal])
    const answer = new Promise<Uint8Array>((resolve, reject) => { this.pending.set(seq, { type, resolve, reject }) })
    const timeout = this.clock.sleep(options.timeoutMs, { signal }).then(() => {
      throw new BridgeTimeoutError(`no answer to ${typeName(type)} from ${this.link.description} within ${options.timeoutMs} ms`)
    })
    // Either may settle while the write is still pending: mark them handled now, the race below reports them.
    answer.catch(() => {})
    timeout.catch(() => {})
    try {
      this.stats.framesSent++
      // The write is raced too: a port closed under a pending drain may never call back, and
      // the timeout or the link's close (which rejects `answer`) must still end the request.
      const written = this.link.write(encodeFrame({ type, seq, payload }), { signal: options.signal })
      written.catch(() => {})
      return await Promise.race([written.then(async () => await answer), answer, timeout])
    } finally {
      this.pending.delete(seq)
      controller.abort()
    }
  }

  close (): void {
    for (const off of this.unsubscribe) off()
    this.fail(new BridgeTimeoutError(`bridge client on ${this.link.description} closed`))
  }

  private allocateSeq (): number {
    for (let i = 0; i < 255; i++) {
      const seq = this.nextSeq
      this.nextSeq = this.nextSeq === 255 ? 1 : this.nextSeq + 1
      if (!this.pending.has(seq)) return seq
    }
    throw new Error('assertion failed: 255 requests in flight')
  }

  private fail (error: Error): void {
    if (this.closedError !== undefined) return
    this.closedError = error
    for (const p of this.pending.values()) p.reject(error)
    this.pending.clear()
  }

  private receive (chunk: Uint8Array): void {
    for (const result of this.decoder.push(chunk)) {
      if (!result.ok) { this.stats.badFrames++; continue }
      this.stats.framesReceived++
      const { type, seq, payload } = result.frame
      if (type === MsgType.HEALTH) {
        let health: HealthReport
        try { health = decodeHealth(payload) } catch { this.stats.badFrames++; continue }
        // A HEALTH frame means the device booted: nothing asked before it will be answered.
        const lost = new BridgeTimeoutError(`${this.link.description} rebooted (${health.version === '' ? 'no image' : health.version}) before answering`)
        for (const p of this.pending.values()) p.reject(lost)
        this.pending.clear()
        for (const listener of [...this.healthListeners]) listener(health)
        continue
      }
      const pending = this.pending.get(seq)
      if (pending === undefined) continue // late answer to a request that timed out, or BAD_CRC with seq 0
      try {
        if (type === MsgType.ERROR) {
          const e = decodeError(payload)
          // An error about another request type is a stale answer (from before a reconnect) that shares this seq.
          if (e.requestType !== pending.type) { this.stats.staleAnswers++; continue }
          this.pending.delete(seq)
          pending.reject(new BridgeDeviceError(`device refused ${typeName(pending.type)}: ${e.name} (detail ${e.detail})${hint(e.code)}`, e.code, e.name, e.detail))
        } else if (type !== (pending.type | RESPONSE_BIT)) {
          this.stats.staleAnswers++ // the same: a stale answer, the real one may still come
        } else {
          this.pending.delete(seq)
          pending.resolve(payload)
        }
      } catch (error) {
        this.pending.delete(seq)
        pending.reject(error as Error)
      }
    }
  }
}

export function typeName (type: number): string {
  return Object.entries(MsgType).find(([, v]) => v === type)?.[0] ?? `0x${type.toString(16)}`
}

function hint (code: number): string {
  switch (code) {
    case 7: return '; the image does not fit the OTA slot: build a smaller image or repartition'
    case 8: return '; the image was corrupted in transit or in flash: flash again'
    case 12: return '; this is not an ESP-IDF app image'
    case 13: return '; the image is built for another chip: pick the build for this MCU'
    default: return ''
  }
}

