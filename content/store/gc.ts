import { multihashKey } from './multihash-key.js'
import { walkDag } from './dag-walk.js'
import type { PinStore } from './pin-store-types.js'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

export interface GcResult {
  /** Blocks deleted (with `dryRun`: that would be deleted). */
  deletedBlocks: number
  freedBytes: number
  /** Distinct roots of the retained pins. */
  retainedRoots: number
  /** Blocks of retained DAGs known to the walk (present or not). */
  retainedBlocks: number
}

export interface GcOptions extends AbortOptions {
  /** Count what would be collected, delete nothing. @default false */
  dryRun?: boolean
  /** Called for each block collected (or, with `dryRun`, collectable), with its length. */
  onCollected?(cid: CID, bytes: number): void
}

/**
 * Mark and sweep: walks the DAG of every retained pin through the blocks that exist, then
 * deletes every stored block that no walk reached. An incomplete DAG is walked as far as it
 * exists, and its listed leaves are kept whether present or not; a corrupt internal node stops
 * GC with an `ArtifactIntegrityError` (its children cannot be known, so nothing is deleted).
 *
 * The caller serialises GC with imports and fetches on the same blockstore: a block written
 * during the sweep whose DAG is not yet pinned would be collected. Pin (`plan`) before fetching.
 * `freedBytes` reads each deleted block once, since the Blockstore interface has no size call.
 */
export async function gc (components: { blockstore: Pick<Blockstore, 'get' | 'getAll' | 'delete'> }, pins: Pick<PinStore, 'retained'>, options: GcOptions = {}): Promise<GcResult> {
  const { blockstore } = components
  const roots = new Map(pins.retained().map(pin => [multihashKey(pin.cid), pin.cid]))
  const keep = new Set<string>()
  for (const root of roots.values()) {
    const walk = await walkDag(blockstore, root, options)
    for (const cid of [...walk.nodes, ...walk.leaves]) keep.add(multihashKey(cid))
  }
  let deletedBlocks = 0
  let freedBytes = 0
  for await (const { cid, bytes } of blockstore.getAll(options)) {
    options.signal?.throwIfAborted()
    if (keep.has(multihashKey(cid))) continue
    let length = 0
    for await (const part of bytes) length += part.byteLength
    if (options.dryRun !== true) await blockstore.delete(cid, options)
    options.onCollected?.(cid, length)
    freedBytes += length
    deletedBlocks++
  }
  return { deletedBlocks, freedBytes, retainedRoots: roots.size, retainedBlocks: keep.size }
}
