import { lpStream } from '@libp2p/utils'
import { decodeSwarmMessage, encodeSwarmMessage, SWARM_MESSAGE_BYTES_MAX, WIRE_VERSION } from '../../proto/index.js'
import { Bitfield } from './bitfield.js'
import type { Encodable, SwarmMessage } from '../../proto/index.js'
import type { Stream } from '@libp2p/interface'

export type SwarmBody = Omit<Encodable<SwarmMessage>, 'version'>

/**
 * One peer's end of a swarm stream: length-prefixed SwarmMessages (bounded decoding), writes
 * serialised through one queue so a large block and a small have never interleave, and the
 * peer's known holdings.
 */
export class SwarmLink {
  have: Bitfield
  readonly inflight = new Map<number, number>()
  /** Fetching side: blocks this peer refused us, with when (asked again after a while). */
  readonly refusedByPeer = new Map<number, number>()
  /** Serving side: blocks we refused this peer once; asked again, we serve them. */
  readonly refusedToPeer = new Set<number>()
  /** Blocks queued for sending to this peer; bounded so a greedy peer cannot queue our disk. */
  pendingUploads = 0
  bytesReceived = 0
  bytesSent = 0
  badBlocks = 0
  private readonly lp
  private sendChain: Promise<void> = Promise.resolve()
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

  /** Queues a message; resolves once written. A failed write closes the link. */
  async send (body: SwarmBody): Promise<void> {
    const bytes = encodeSwarmMessage({ version: WIRE_VERSION, ...body })
    this.sendChain = this.sendChain.then(async () => {
      if (this.closed) return
      await this.lp.write(bytes)
      this.bytesSent += bytes.length
    }).catch(() => { this.close() })
    await this.sendChain
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
    this.stream.abort(new Error('swarm link closed'))
  }
}
