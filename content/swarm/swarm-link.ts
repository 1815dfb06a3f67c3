import { lpStream } from '@libp2p/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { decodeSwarmMessage, encodeSwarmBlockParts, encodeSwarmMessage, SWARM_MESSAGE_BYTES_MAX, WIRE_VERSION } from '../../proto/index.js'
import { Bitfield } from './bitfield.js'
import type { Encodable, SwarmMessage } from '../../proto/index.js'
import type { Stream } from '@libp2p/interface'

export type SwarmBody = Omit<Encodable<SwarmMessage>, 'version'>

/** Reads leaf `index` for sending; undefined when it is not held (answered "missing"). */
export type BlockLoader = (index: number) => Promise<Uint8Array | undefined>

interface Queued { bytes: Uint8Array, done(): void }

/**
 * One peer's end of a swarm stream: length-prefixed SwarmMessages (bounded decoding) and the
 * peer's known holdings. Writes go through one writer with two queues: control messages
 * (have, request, cancel, reject) go before any queued block. Measured: with one FIFO, a
 * request or have waited behind seconds of queued uploads at 10 Mbit/s, so peers asked late
 * and learned late who held what, and uplinks sat idle. Uploads are queued as indices and
 * read from disk only when their turn comes, so a cancel withdraws them for free and queued
 * uploads hold no memory.
 */
export class SwarmLink {
  have: Bitfield
  readonly inflight = new Map<number, number>()
  /** Fetching side: blocks this peer refused us, with when (asked again after a while). */
  readonly refusedByPeer = new Map<number, number>()
  /** Serving side: how often we refused this peer each block (seedRefuses). */
  readonly refusedToPeer = new Map<number, number>()
  /** Serving side: blocks we queued for this peer: asked again, its earlier copy failed, so it is no copy "elsewhere". */
  readonly sentTo = new Set<number>()
  /** Serving side: reads a block when its upload is next; set by the session. */
  loadBlock: BlockLoader | undefined
  /** Serving side: called after a block was written to the stream. */
  onUploaded: ((index: number, bytes: number) => void) | undefined
  bytesReceived = 0
  bytesSent = 0
  badBlocks = 0
  private readonly lp
  private readonly control: Queued[] = []
  private readonly uploads: number[] = []
  private writing = false
  private closed = false

  constructor (readonly peer: string, private readonly stream: Stream, blocks: number) {
    this.lp = lpStream(stream, { maxDataLength: SWARM_MESSAGE_BYTES_MAX })
    this.have = new Bitfield(blocks)
  }

  get isClosed (): boolean {
    return this.closed
  }

  get seed (): boolean {
    return this.have.size > 0 && this.have.complete
  }

  /** Uploads queued and not yet written. */
  get pendingUploads (): number {
    return this.uploads.length
  }

  /** Queues a control message ahead of queued blocks; resolves once written (or the link closed). */
  async send (body: SwarmBody): Promise<void> {
    const bytes = encodeSwarmMessage({ version: WIRE_VERSION, ...body })
    await new Promise<void>(resolve => {
      if (this.closed) { resolve(); return }
      this.control.push({ bytes, done: resolve })
      this.kick()
    })
  }

  /** Queues leaf `index` for upload behind earlier uploads. */
  queueUpload (index: number): void {
    if (this.closed) return
    this.uploads.push(index)
    this.kick()
  }

  /** Withdraws queued, unsent uploads; returns those withdrawn. */
  cancelUploads (indices: readonly number[]): number[] {
    const cancel = new Set(indices)
    const withdrawn: number[] = []
    for (let i = this.uploads.length - 1; i >= 0; i--) {
      const index = this.uploads[i] ?? -1
      if (!cancel.has(index)) continue
      this.uploads.splice(i, 1)
      withdrawn.push(index)
    }
    return withdrawn
  }

  /** Reads messages until the stream ends; each is passed to `onMessage` in order. */
  async readLoop (onMessage: (message: SwarmMessage) => Promise<void> | void): Promise<void> {
    try {
      while (!this.closed) {
        const frame = await this.lp.read()
        this.bytesReceived += frame.byteLength
        await onMessage(decodeSwarmMessage(frame))
      }
    } finally {
      this.close()
    }
  }

  close (): void {
    if (this.closed) return
    this.closed = true
    for (const queued of this.control.splice(0)) queued.done()
    this.uploads.length = 0
    this.stream.abort(new Error('swarm link closed'))
  }

  private kick (): void {
    if (this.writing) return
    this.writing = true
    void this.writeLoop().catch(() => { this.close() }).finally(() => {
      this.writing = false
      // Something queued between the loop's last check and now would otherwise wait forever.
      if (!this.closed && (this.control.length > 0 || this.uploads.length > 0)) this.kick()
    })
  }

  private async writeLoop (): Promise<void> {
    while (!this.closed) {
      const control = this.control.shift()
      if (control != null) {
        await this.write(control.bytes).finally(() => { control.done() })
        continue
      }
      const index = this.uploads.shift()
      if (index == null) return
      const data = await this.loadBlock?.(index)
      if (data == null) {
        this.control.push({ bytes: encodeSwarmMessage({ version: WIRE_VERSION, reject: { indices: [index], reason: 'missing' } }), done: () => {} })
        continue
      }
      // The block's bytes go to the stream as they are, behind their framing (no copy).
      await this.write(new Uint8ArrayList(...encodeSwarmBlockParts(index, data)))
      this.onUploaded?.(index, data.length)
    }
  }

  private async write (bytes: Uint8Array | Uint8ArrayList): Promise<void> {
    await this.lp.write(bytes)
    this.bytesSent += bytes.length
  }
}
