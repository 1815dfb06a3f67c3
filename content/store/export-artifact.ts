import { createHash } from 'node:crypto'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { exporter } from 'ipfs-unixfs-exporter'
import { toHex } from 'multiformats/bytes'
import { EXPORT_BLOCK_READ_CONCURRENCY } from './constants.js'
import { ArtifactIntegrityError } from './errors.js'
import { normaliseSha256 } from './sha256.js'
import { ByteGate, verifiedReader } from './verified-reader.js'
import type { Blockstore } from 'interface-blockstore'
import type { UnixFSEntry } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'
import type { FileHandle } from 'node:fs/promises'

export interface ExportComponents {
  blockstore: Pick<Blockstore, 'get'>
}

export interface ExportOptions {
  /** The manifest's `size`, in bytes. */
  expectedSize: number
  /** The manifest's `sha256`: 32 bytes, or 64 hex characters. */
  expectedSha256: Uint8Array | string
  /** Where the verified file ends up; `<destination>.partial` is used on the way. */
  destination: string
  signal?: AbortSignal
  /** Called with the bytes written so far. */
  onProgress?(bytes: number): void
}

export interface ExportResult {
  path: string
  size: number
  sha256: Uint8Array
}

type FileEntry = Extract<UnixFSEntry, { content: unknown }>

/**
 * Streams the DAG of `cid` into `<destination>.partial`, fsyncs it, checks its size and sha256
 * against the manifest, then renames it to `destination` (and fsyncs the directory). Every
 * block read is verified against its CID. On any failure the partial file is deleted, so
 * `destination` only ever holds a complete, verified artifact (or what it held before).
 *
 * @throws {ArtifactIntegrityError} naming what differed (size, sha256, a corrupt block, not a file)
 * @throws {BlockMissingError} naming the first block the local store lacks
 */
export async function exportArtifact (components: ExportComponents, cid: CID, options: ExportOptions): Promise<ExportResult> {
  const expectedSha256 = normaliseSha256(options.expectedSha256)
  if (!Number.isSafeInteger(options.expectedSize) || options.expectedSize < 0) {
    throw new RangeError(`expectedSize must be a byte count, got ${options.expectedSize}`)
  }
  const gate = new ByteGate()
  const entry = await resolveFile(verifiedReader(components.blockstore, cid, gate), cid, options)
  const partial = `${options.destination}.partial`
  await mkdir(dirname(partial), { recursive: true })
  const handle = await open(partial, 'w', 0o644)
  let handleOpen = true
  try {
    const { size, sha256 } = await writeContent(entry, handle, gate, options)
    await handle.sync()
    handleOpen = false
    await handle.close()
    if (size !== options.expectedSize) throw sizeMismatch(cid, options.expectedSize, size)
    if (toHex(sha256) !== toHex(expectedSha256)) {
      throw new ArtifactIntegrityError(`artifact ${cid.toString()} has sha256 ${toHex(sha256)}, the manifest says ${toHex(expectedSha256)}; nothing was installed: fetch it again or check the manifest`, {
        cid, mismatch: 'sha256', expected: toHex(expectedSha256), actual: toHex(sha256)
      })
    }
    await rename(partial, options.destination)
    await syncDirectory(dirname(options.destination))
    return { path: options.destination, size, sha256 }
  } catch (err) {
    if (handleOpen) await handle.close().catch(() => {})
    await rm(partial, { force: true })
    throw asIntegrityError(err, cid)
  }
}

async function resolveFile (reader: Pick<Blockstore, 'get'>, cid: CID, options: ExportOptions): Promise<FileEntry> {
  let entry: UnixFSEntry
  try {
    entry = await exporter(cid, reader, { signal: options.signal })
  } catch (err) {
    throw asIntegrityError(err, cid)
  }
  if (entry.type !== 'file' && entry.type !== 'raw' && entry.type !== 'identity') {
    throw new ArtifactIntegrityError(`artifact ${cid.toString()} is a ${entry.type}, not a file; check the manifest's cid`, {
      cid, mismatch: 'type', expected: 'file', actual: entry.type
    })
  }
  // The root declares the file size: refuse before writing a byte when it disagrees.
  if (entry.size !== BigInt(options.expectedSize)) throw sizeMismatch(cid, options.expectedSize, entry.size)
  return entry
}

async function writeContent (entry: FileEntry, handle: FileHandle, gate: ByteGate, options: ExportOptions): Promise<{ size: number, sha256: Uint8Array }> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of entry.content({ signal: options.signal, blockReadConcurrency: EXPORT_BLOCK_READ_CONCURRENCY })) {
    size += chunk.byteLength
    // Never write past the expected size: a lying DAG must not fill the disk.
    if (size > options.expectedSize) throw sizeMismatch(entry.cid, options.expectedSize, `more than ${options.expectedSize}`)
    hash.update(chunk)
    for (let offset = 0; offset < chunk.byteLength;) {
      offset += (await handle.write(chunk, offset, chunk.byteLength - offset)).bytesWritten
    }
    gate.written(chunk.byteLength)
    options.onProgress?.(size)
  }
  return { size, sha256: new Uint8Array(hash.digest()) }
}

function sizeMismatch (cid: CID, expected: number, actual: number | bigint | string): ArtifactIntegrityError {
  return new ArtifactIntegrityError(`artifact ${cid.toString()} is ${actual} bytes, the manifest says ${expected}; nothing was installed: check the manifest`, {
    cid, mismatch: 'size', expected: String(expected), actual: String(actual)
  })
}

/** The exporter's own errors about an inconsistent DAG become integrity errors. */
export function asIntegrityError (err: unknown, cid: CID): unknown {
  const name = (err as Error | undefined)?.name
  if (name === 'NotUnixFSError' || name === 'OverReadError' || name === 'UnderReadError') {
    return new ArtifactIntegrityError(`artifact ${cid.toString()} has an inconsistent DAG (${(err as Error).message}); fetch it again or re-import it`, {
      cid, mismatch: 'structure'
    }, { cause: err })
  }
  return err
}

/** Makes a rename durable: without it a power cut can lose the new directory entry. */
async function syncDirectory (path: string): Promise<void> {
  const dir = await open(path, 'r')
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}
