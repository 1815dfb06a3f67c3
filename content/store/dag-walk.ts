import { code as DAG_PB_CODE, decode } from '@ipld/dag-pb'
import { identity } from 'multiformats/hashes/identity'
import { DAG_BLOCKS_MAX } from './constants.js'
import { ArtifactTooLargeError, BlockMissingError } from './errors.js'
import { multihashKey } from './multihash-key.js'
import { readVerifiedBlock } from './read-block.js'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

export interface DagWalk {
  /** Nodes read or tried, depth-first pre-order, root first; includes absent ones. */
  nodes: CID[]
  /** Nodes whose block the store lacks: their children are unknown until they are fetched. */
  absentNodes: CID[]
  /** Leaves in file order, unread (their presence is unknown). */
  leaves: CID[]
}

/**
 * Walks the DAG of `root` through the blocks the store holds, reading only nodes that may have
 * links (dag-pb) and verifying each against its CID; raw leaves are listed, not read. A node
 * the store lacks ends its branch instead of failing the walk, so an incomplete DAG (a fetch in
 * progress) is walked as far as it exists. Each block is listed once, at its first occurrence.
 * Identity CIDs are skipped: their bytes are inside the CID, there is nothing to store.
 */
export async function walkDag (blockstore: Pick<Blockstore, 'get'>, root: CID, options: AbortOptions = {}): Promise<DagWalk> {
  const walk: DagWalk = { nodes: [], absentNodes: [], leaves: [] }
  const seen = new Set<string>()
  const stack: CID[] = [root]
  for (let cid = stack.pop(); cid != null; cid = stack.pop()) {
    options.signal?.throwIfAborted()
    const key = multihashKey(cid)
    if (cid.multihash.code === identity.code || seen.has(key)) continue
    seen.add(key)
    if (seen.size > DAG_BLOCKS_MAX) {
      throw new ArtifactTooLargeError(`the DAG of ${root.toString()} has over ${DAG_BLOCKS_MAX} blocks; it is not an artifact this node can hold`, DAG_BLOCKS_MAX)
    }
    if (cid.code !== DAG_PB_CODE) {
      walk.leaves.push(cid)
      continue
    }
    let bytes: Uint8Array
    try {
      bytes = await readVerifiedBlock(blockstore, cid, root, options)
    } catch (err) {
      if (!(err instanceof BlockMissingError)) throw err
      walk.nodes.push(cid)
      walk.absentNodes.push(cid)
      continue
    }
    const links = decode(bytes).Links
    if (links.length === 0) {
      walk.leaves.push(cid)
      continue
    }
    walk.nodes.push(cid)
    // Pushed in reverse so the first child is visited first: leaves come out in file order.
    for (let i = links.length - 1; i >= 0; i--) {
      const link = links[i]
      if (link != null) stack.push(link.Hash)
    }
  }
  return walk
}
