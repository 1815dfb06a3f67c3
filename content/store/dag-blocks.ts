import { HAS_CONCURRENCY } from './constants.js'
import { walkDag } from './dag-walk.js'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

export interface MissingBlocks {
  /** Blocks of the DAG known so far (children of an absent node are not known yet). */
  total: number
  /** Blocks the store lacks, in `listDagBlocks` order. */
  missing: CID[]
}

/**
 * The blocks of the DAG of `root`, each once, in a deterministic order: the root and the other
 * internal nodes depth-first (so a fetcher learns the leaves early), then the leaves in file
 * order. Works on an incomplete DAG: leaves are listed without being read, and an absent
 * internal node is listed but its children cannot be until it is fetched. Pass the local
 * blockstore, not Helia's networked one, or the walk itself would fetch.
 */
export async function listDagBlocks (components: { blockstore: Pick<Blockstore, 'get'> }, root: CID, options: AbortOptions = {}): Promise<CID[]> {
  const walk = await walkDag(components.blockstore, root, options)
  return [...walk.nodes, ...walk.leaves]
}

/**
 * Which blocks of the DAG of `root` the store lacks. Fetch them, then ask again: blocks under
 * an absent internal node only appear once it is present. `missing` is empty only when the
 * whole DAG is here.
 */
export async function missingBlocks (components: { blockstore: Pick<Blockstore, 'get' | 'has'> }, root: CID, options: AbortOptions = {}): Promise<MissingBlocks> {
  const { blockstore } = components
  const walk = await walkDag(blockstore, root, options)
  const absentLeaves: CID[] = []
  for (let i = 0; i < walk.leaves.length; i += HAS_CONCURRENCY) {
    const batch = walk.leaves.slice(i, i + HAS_CONCURRENCY)
    const present = await Promise.all(batch.map(async cid => await blockstore.has(cid, options)))
    batch.forEach((cid, j) => { if (present[j] !== true) absentLeaves.push(cid) })
  }
  return { total: walk.nodes.length + walk.leaves.length, missing: [...walk.absentNodes, ...absentLeaves] }
}
