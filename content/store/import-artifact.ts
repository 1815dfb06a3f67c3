import { createHash } from 'node:crypto'
import { importFile } from 'ipfs-unixfs-importer'
import { fixedSize, rabin } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import {
  ARTIFACT_BYTES_MAX, DAG_LINKS_PER_NODE_MAX, IMPORT_BLOCK_WRITE_CONCURRENCY,
  RABIN_CHUNK_BYTES_AVG, RABIN_CHUNK_BYTES_MAX, RABIN_CHUNK_BYTES_MIN, RABIN_WINDOW_BYTES
} from './constants.js'
import { countingPut } from './counting-blockstore.js'
import { ArtifactTooLargeError } from './errors.js'
import { openSource } from './import-source.js'
import type { ImportSource } from './import-source.js'
import type { Blockstore } from 'interface-blockstore'
import type { ImporterOptions } from 'ipfs-unixfs-importer'
import type { Chunker } from 'ipfs-unixfs-importer/chunker'
import type { CID } from 'multiformats/cid'

export interface ImportComponents {
  blockstore: Pick<Blockstore, 'put' | 'has'>
}

export interface ImportOptions {
  signal?: AbortSignal
  /** Called with the bytes read so far, about once per MiB. */
  onProgress?(bytes: number): void
  /** Refuse sources longer than this. @default ARTIFACT_BYTES_MAX (64 GiB) */
  sizeBytesMax?: number
  /**
   * `'content-defined'` (rabin) dedups across versions even after insertions; `'fixed-size'`
   * (RABIN_CHUNK_BYTES_AVG) exists only to show what content-defined chunking buys. @default 'content-defined'
   */
  chunking?: 'content-defined' | 'fixed-size'
  /** HTTP sources: time to the response headers. @default HTTP_HEADERS_TIMEOUT_MS */
  headersTimeoutMs?: number
  /** HTTP sources: longest silence in the body. @default HTTP_IDLE_TIMEOUT_MS */
  idleTimeoutMs?: number
  /** HTTP sources: redirects followed. @default HTTP_REDIRECTS_MAX */
  redirectsMax?: number
}

export interface ImportResult {
  /** Root of the UnixFS DAG (CIDv1). */
  cid: CID
  /** Bytes of the artifact. */
  size: number
  /** sha256 of the artifact's bytes, computed on the imported stream. */
  sha256: Uint8Array
  /** Blocks of the DAG put, a block repeated within the file once per occurrence. */
  blocks: number
  /** Blocks that were not already in the store: what peers holding an older version lack. */
  newBlocks: number
  /** Bytes of those new blocks. */
  newBytes: number
}

/**
 * Imports a byte stream, file or URL into the blockstore as a UnixFS file: CIDv1, raw leaves,
 * rabin chunks, a balanced DAG. Memory stays bounded whatever the size: the source is read
 * in slices, the chunker holds under one chunk, and the importer writes
 * `IMPORT_BLOCK_WRITE_CONCURRENCY` blocks at a time.
 */
export async function importArtifact (components: ImportComponents, source: ImportSource, options: ImportOptions = {}): Promise<ImportResult> {
  const { signal } = options
  signal?.throwIfAborted()
  const sizeBytesMax = options.sizeBytesMax ?? ARTIFACT_BYTES_MAX
  const hash = createHash('sha256')
  let size = 0
  const opened = openSource(source, { ...options, sizeBytesMax })
  async function * tapped (): AsyncGenerator<Uint8Array> {
    for await (const slice of opened) {
      signal?.throwIfAborted()
      size += slice.byteLength
      if (size > sizeBytesMax) {
        throw new ArtifactTooLargeError(`the import source is over the ${sizeBytesMax} byte limit; raise sizeBytesMax if this is intended`, sizeBytesMax)
      }
      hash.update(slice)
      options.onProgress?.(size)
      yield slice
    }
  }
  const { store, counts } = countingPut(components.blockstore, signal)
  const entry = await importFile({ content: tapped() }, store, importerOptions(options.chunking ?? 'content-defined'))
  return { cid: entry.cid, size, sha256: new Uint8Array(hash.digest()), ...counts }
}

function importerOptions (chunking: 'content-defined' | 'fixed-size'): ImporterOptions {
  const chunker = chunking === 'content-defined'
    ? rabin({ minChunkSize: RABIN_CHUNK_BYTES_MIN, avgChunkSize: RABIN_CHUNK_BYTES_AVG, maxChunkSize: RABIN_CHUNK_BYTES_MAX, window: RABIN_WINDOW_BYTES })
    : fixedSize({ chunkSize: RABIN_CHUNK_BYTES_AVG })
  return {
    cidVersion: 1,
    rawLeaves: true,
    chunker: atLeastOneChunk(chunker),
    layout: balanced({ maxChildrenPerNode: DAG_LINKS_PER_NODE_MAX }),
    blockWriteConcurrency: IMPORT_BLOCK_WRITE_CONCURRENCY
  }
}

/** The rabin chunker yields nothing for an empty file, and the importer then has no root. */
function atLeastOneChunk (chunker: Chunker): Chunker {
  return async function * (source) {
    let any = false
    for await (const chunk of chunker(source)) {
      any = true
      yield chunk
    }
    if (!any) yield new Uint8Array(0)
  }
}
