import { equals } from 'multiformats/bytes'
import { identity } from 'multiformats/hashes/identity'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { UnsupportedHashError } from './errors.js'
import type { CID } from 'multiformats/cid'
import type { MultihashHasher } from 'multiformats/hashes/interface'

const HASHERS: ReadonlyMap<number, MultihashHasher> = new Map<number, MultihashHasher>([
  [sha256.code, sha256],
  [sha512.code, sha512],
  [identity.code, identity]
])

/**
 * Whether `bytes` are the block `cid` names: rehashes them with the CID's hash function and
 * compares the whole multihash. Whoever puts a block from the network into the store calls this
 * first; a `false` means the peer sent garbage.
 *
 * @throws {UnsupportedHashError} when the CID's hash function is unknown, so the block cannot be verified
 */
export async function verifyBlock (cid: CID, bytes: Uint8Array): Promise<boolean> {
  const hasher = HASHERS.get(cid.multihash.code)
  if (hasher == null) throw new UnsupportedHashError(cid)
  const digest = await hasher.digest(bytes)
  return equals(digest.bytes, cid.multihash.bytes)
}
