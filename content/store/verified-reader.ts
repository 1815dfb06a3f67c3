import { code as RAW_CODE } from 'multiformats/codecs/raw'
import { EXPORT_BLOCK_READ_CONCURRENCY, EXPORT_BUFFERED_BYTES_MAX } from './constants.js'
import { readVerifiedBlock } from './read-block.js'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

/**
 * Backpressure for ipfs-unixfs-exporter, which pushes leaf bytes into an unbounded queue as fast
 * as blocks can be read, and whose `blockReadConcurrency` does not hold (it-parallel lets the
 * number of reads in flight creep up to all the children of a node when the consumer is slow;
 * measured: 172 concurrent reads with a limit of 4).
 *
 * A raw-leaf read is admitted, in arrival order, only while fewer than `readsMax` reads are in
 * flight and fewer than `limitBytes` leaf bytes are read but not yet written. Memory for leaf
 * bytes thus stays under `limitBytes + readsMax × largest block`.
 *
 * Deadlock-free: the exporter starts the reads of one parent's leaves in file order, and
 * admission is first come, first served, so the reads admitted are always the earliest ones;
 * at most `readsMax - 1` finished blocks wait behind a slower earlier one. With
 * `limitBytes > readsMax × largest block`, whenever admission stops the consumer still has bytes
 * in the queue to write, and each write reopens it.
 */
export class ByteGate {
  private outstanding = 0
  private reading = 0
  private readonly waiters: Array<() => void> = []

  constructor (
    private readonly limitBytes = EXPORT_BUFFERED_BYTES_MAX,
    private readonly readsMax = EXPORT_BLOCK_READ_CONCURRENCY
  ) {}

  /** Waits for a read slot; the caller must then call `readDone` exactly once. */
  async admit (options: AbortOptions = {}): Promise<void> {
    const { signal } = options
    signal?.throwIfAborted()
    if (this.waiters.length === 0 && this.open()) {
      this.reading++
      return
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.waiters.indexOf(wake)
        if (at >= 0) this.waiters.splice(at, 1)
        reject(signal?.reason as Error)
      }
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiters.push(wake)
    })
  }

  /** A read finished with `bytes` (0 when it failed). */
  readDone (bytes: number): void {
    this.reading--
    this.outstanding += bytes
    this.pump()
  }

  /** Clamped at zero: bytes of non-raw nodes are written but were never counted as read. */
  written (bytes: number): void {
    this.outstanding = Math.max(0, this.outstanding - bytes)
    this.pump()
  }

  private open (): boolean {
    return this.outstanding < this.limitBytes && this.reading < this.readsMax
  }

  private pump (): void {
    while (this.waiters.length > 0 && this.open()) {
      this.reading++
      this.waiters.shift()?.()
    }
  }
}

/**
 * A read-only blockstore for exporting `root`: every block is verified against its CID, a
 * missing one is a `BlockMissingError`, and raw-leaf reads pass through `gate`.
 */
export function verifiedReader (blockstore: Pick<Blockstore, 'get'>, root: CID, gate: ByteGate): Pick<Blockstore, 'get'> {
  return {
    get: async function * (cid, options) {
      if (cid.code !== RAW_CODE) {
        yield await readVerifiedBlock(blockstore, cid, root, options)
        return
      }
      await gate.admit(options)
      let bytes: Uint8Array | undefined
      try {
        bytes = await readVerifiedBlock(blockstore, cid, root, options)
      } finally {
        gate.readDone(bytes?.byteLength ?? 0)
      }
      yield bytes
    }
  }
}
