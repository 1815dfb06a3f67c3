import { createHash } from 'node:crypto'
import { exporter } from 'ipfs-unixfs-exporter'
import { EXPORT_BLOCK_READ_CONCURRENCY } from './constants.js'
import { ArtifactIntegrityError } from './errors.js'
import { asIntegrityError } from './export-artifact.js'
import { ByteGate, verifiedReader } from './verified-reader.js'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

export interface HashedArtifact {
  size: number
  sha256: Uint8Array
}

/**
 * The size and sha256 of the file the DAG of `cid` holds, read from the local store without
 * writing it anywhere: how `verify` checks an artifact a node seeds but never materialised.
 * Every block is verified against its CID on the way; memory is bounded as in
 * `exportArtifact` (the gate is released as soon as bytes are hashed).
 *
 * @throws {BlockMissingError} naming the first block the store lacks
 * @throws {ArtifactIntegrityError} for a corrupt block or a root that is not a file
 */
export async function hashArtifact (components: { blockstore: Pick<Blockstore, 'get'> }, cid: CID, options: AbortOptions & { onProgress?(bytes: number): void } = {}): Promise<HashedArtifact> {
  try {
    return await hashContent(components.blockstore, cid, options)
  } catch (err) {
    throw asIntegrityError(err, cid)
  }
}

async function hashContent (blockstore: Pick<Blockstore, 'get'>, cid: CID, options: AbortOptions & { onProgress?(bytes: number): void }): Promise<HashedArtifact> {
  const gate = new ByteGate()
  const entry = await exporter(cid, verifiedReader(blockstore, cid, gate), { signal: options.signal })
  if (entry.type !== 'file' && entry.type !== 'raw' && entry.type !== 'identity') {
    throw new ArtifactIntegrityError(`artifact ${cid.toString()} is a ${entry.type}, not a file; check the manifest's cid`, {
      cid, mismatch: 'type', expected: 'file', actual: entry.type
    })
  }
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of entry.content({ signal: options.signal, blockReadConcurrency: EXPORT_BLOCK_READ_CONCURRENCY })) {
    hash.update(chunk)
    size += chunk.byteLength
    gate.written(chunk.byteLength)
    options.onProgress?.(size)
  }
  return { size, sha256: new Uint8Array(hash.digest()) }
}
