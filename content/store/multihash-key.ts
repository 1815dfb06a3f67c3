import type { CID } from 'multiformats/cid'

/**
 * A string key for a block: its multihash, base64. The FsBlockstore names files by multihash
 * and `getAll()` returns CIDv0-shaped CIDs, so CIDs must never be compared as a whole.
 */
export function multihashKey (cid: CID): string {
  const bytes = cid.multihash.bytes
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}
