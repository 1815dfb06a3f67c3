import { join } from 'node:path'
import { FastFsBlockstore } from './fast-fs-blockstore.js'
import type { FsBlockstore } from 'blockstore-fs'

/** The folder of the storage dir that holds blocks, one file per block. */
export const BLOCKS_DIR = 'blocks'

/**
 * Opens (creating if needed) the node's block store at `<storageDir>/blocks`.
 *
 * There is one such instance per node: the same object is handed to Helia/bitswap and to the
 * swarm layer, which read and write blocks in it, and to the functions of this module, which
 * each take only the methods they need. Blocks are files named by the multihash, so two CIDs
 * that differ only in version or codec share one file.
 */
export async function openBlockstore (storageDir: string): Promise<FsBlockstore> {
  const blockstore = new FastFsBlockstore(join(storageDir, BLOCKS_DIR))
  await blockstore.open()
  return blockstore
}
