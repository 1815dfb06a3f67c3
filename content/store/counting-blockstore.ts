import { multihashKey } from './multihash-key.js'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

export interface PutCounts {
  /** Blocks the importer put, a block repeated within the file once per occurrence. */
  blocks: number
  /** Blocks that were not in the store before. */
  newBlocks: number
  /** Bytes of those new blocks. */
  newBytes: number
}

/**
 * A `put` that skips blocks the store already holds and counts what was new: the dedup
 * evidence of an import. Skipping saves flash wear on devices; a block that is present but
 * corrupt is caught when read (every read is verified) and is replaced by fetching it again.
 * Puts of one CID racing each other are joined, so a block is counted new once.
 */
export function countingPut (blockstore: Pick<Blockstore, 'put' | 'has'>, signal?: AbortSignal): { store: Pick<Blockstore, 'put'>, counts: PutCounts } {
  const counts: PutCounts = { blocks: 0, newBlocks: 0, newBytes: 0 }
  const inFlight = new Map<string, Promise<void>>()
  const putOnce = async (cid: CID, bytes: Uint8Array, options?: AbortOptions): Promise<void> => {
    if (await blockstore.has(cid, { signal })) return
    await blockstore.put(cid, bytes, { ...options, signal })
    counts.newBlocks++
    counts.newBytes += bytes.byteLength
  }
  const store: Pick<Blockstore, 'put'> = {
    put: async (cid, bytes, options) => {
      signal?.throwIfAborted()
      if (!(bytes instanceof Uint8Array)) throw new TypeError('the importer puts whole blocks')
      counts.blocks++
      const key = multihashKey(cid)
      let pending = inFlight.get(key)
      if (pending == null) {
        pending = putOnce(cid, bytes, options).finally(() => inFlight.delete(key))
        inFlight.set(key, pending)
      }
      await pending
      return cid
    }
  }
  return { store, counts }
}
