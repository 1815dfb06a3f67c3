import * as dagPb from '@ipld/dag-pb'
import * as raw from 'multiformats/codecs/raw'
import { SWARM_BLOCKS_MAX } from '../../proto/index.js'
import { verifyBlock } from '../store/index.js'
import { DAG_DEPTH_MAX } from './constants.js'
import { BlockIntegrityError } from './errors.js'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import type { BlockExchange } from '../exchange/bitswap-exchange.js'

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
 * The artifact's leaves in file order. Internal (dag-pb) nodes are small; missing ones are
 * fetched by bitswap and checked against their CIDs. Leaves themselves are not fetched here:
 * that is the swarm's job.
 */
export async function resolveLeaves (c: DagComponents, root: CID, signal?: AbortSignal): Promise<CID[]> {
  const leaves: CID[] = []
  const walk = async (cid: CID, depth: number): Promise<void> => {
    if (cid.code === raw.code) {
      if (leaves.length >= SWARM_BLOCKS_MAX) throw new BlockIntegrityError(`artifact ${root.toString()} has more than ${SWARM_BLOCKS_MAX} blocks`)
      leaves.push(cid)
      return
    }
    if (cid.code !== dagPb.code) throw new BlockIntegrityError(`block ${cid.toString()} is neither dag-pb nor raw; FleetD artifacts are UnixFS files with raw leaves`)
    if (depth > DAG_DEPTH_MAX) throw new BlockIntegrityError(`artifact ${root.toString()} is deeper than ${DAG_DEPTH_MAX} levels`)
    const bytes = await internalNode(c, cid, signal)
    const node = dagPb.decode(bytes)
    for (const link of node.Links) await walk(link.Hash, depth + 1)
  }
  await walk(root, 0)
  return leaves
}

async function internalNode (c: DagComponents, cid: CID, signal?: AbortSignal): Promise<Uint8Array> {
  if (await c.blockstore.has(cid, { signal })) return await readBlock(c.blockstore, cid, signal)
  if (c.exchange == null) throw new BlockIntegrityError(`block ${cid.toString()} is missing locally`)
  const bytes = await c.exchange.retrieve(cid, { signal })
  if (!await verifyBlockBytes(cid, bytes)) throw new BlockIntegrityError(`block ${cid.toString()} from the network does not match its CID`)
  await c.blockstore.put(cid, bytes, { signal })
  return bytes
}
