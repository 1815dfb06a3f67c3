import { walkDag, verifyBlock } from '../store/index.js'
import { DAG_DEPTH_MAX } from './constants.js'
import { BlockIntegrityError } from './errors.js'
import type { SessionDag } from './swarm-session.js'
import type { BlockExchange } from '../exchange/bitswap-exchange.js'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

export interface DagComponents {
  blockstore: Pick<Blockstore, 'get' | 'put' | 'has'>
  /** Where internal nodes come from when they are not local yet; absent = local only. */
  exchange?: Pick<BlockExchange, 'retrieve'>
}

/**
 * Checks that `bytes` hash to `cid`, using the store's verifier; a hash the store cannot
 * verify counts as a mismatch here, because a swarm block that cannot be checked is refused.
 */
export async function verifyBlockBytes (cid: CID, bytes: Uint8Array): Promise<boolean> {
  return await verifyBlock(cid, bytes).catch(() => false)
}

export async function readBlock (blockstore: Pick<Blockstore, 'get'>, cid: CID, signal?: AbortSignal): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of blockstore.get(cid, { signal })) chunks.push(chunk)
  return chunks.length === 1 && chunks[0] != null ? chunks[0] : Buffer.concat(chunks)
}

/**
 * The artifact's leaves in file order and its internal nodes, walked with the store's walker
 * (store/dag-walk.ts). Internal nodes missing locally are fetched through `exchange`, checked
 * against their CIDs and stored, one DAG level per round. Leaves are not fetched here: that is
 * the swarm's job.
 */
export async function resolveDag (c: DagComponents, root: CID, signal?: AbortSignal): Promise<SessionDag> {
  for (let level = 0; level <= DAG_DEPTH_MAX; level++) {
    const walk = await walkDag(c.blockstore, root, signal != null ? { signal } : {})
    if (walk.absentNodes.length === 0) return { leaves: walk.leaves, nodes: walk.nodes }
    const exchange = c.exchange
    if (exchange == null) throw new BlockIntegrityError(`block ${walk.absentNodes[0]?.toString() ?? ''} of ${root.toString()} is missing locally`)
    await Promise.all(walk.absentNodes.map(async cid => {
      const bytes = await exchange.retrieve(cid, { signal })
      if (!await verifyBlockBytes(cid, bytes)) throw new BlockIntegrityError(`block ${cid.toString()} from the network does not match its CID`)
      await c.blockstore.put(cid, bytes, { signal })
    }))
  }
  throw new BlockIntegrityError(`artifact ${root.toString()} is deeper than ${DAG_DEPTH_MAX} levels`)
}
