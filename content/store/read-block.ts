import { BLOCK_BYTES_MAX } from './constants.js'
import { ArtifactIntegrityError, BlockMissingError } from './errors.js'
import { verifyBlock } from './verify-block.js'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

/**
 * Reads one block whole, refusing it past `BLOCK_BYTES_MAX` and checking it against its CID.
 * `root` names the artifact in errors.
 *
 * @throws {BlockMissingError} when the store does not hold it
 * @throws {ArtifactIntegrityError} (`mismatch: 'block'`) when it is too large or its bytes do not match its CID
 */
export async function readVerifiedBlock (blockstore: Pick<Blockstore, 'get'>, cid: CID, root: CID, options: AbortOptions = {}): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  let length = 0
  try {
    for await (const part of blockstore.get(cid, options)) {
      length += part.byteLength
      if (length > BLOCK_BYTES_MAX) {
        throw new ArtifactIntegrityError(`block ${cid.toString()} of artifact ${root.toString()} is over ${BLOCK_BYTES_MAX} bytes; delete it and fetch it again`, {
          cid: root, mismatch: 'block', blockCid: cid, expected: `<= ${BLOCK_BYTES_MAX} bytes`, actual: `> ${BLOCK_BYTES_MAX} bytes`
        })
      }
      parts.push(part)
    }
  } catch (err) {
    // blockstore-fs reports every failure, an abort included, as NotFoundError.
    options.signal?.throwIfAborted()
    if ((err as Error).name === 'NotFoundError') throw new BlockMissingError(cid, { cause: err })
    throw err
  }
  const bytes = parts.length === 1 && parts[0] != null ? parts[0] : Buffer.concat(parts, length)
  if (!await verifyBlock(cid, bytes)) {
    throw new ArtifactIntegrityError(`block ${cid.toString()} of artifact ${root.toString()} is corrupt: its bytes do not hash to its CID; delete the block and fetch it again`, {
      cid: root, mismatch: 'block', blockCid: cid
    })
  }
  return bytes
}
