import { createHash } from 'node:crypto'
import { access, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { importer } from 'ipfs-unixfs-importer'
import { code as RAW_CODE } from 'multiformats/codecs/raw'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { chunksOf, seededBytes } from '../../test/support/seeded-bytes.js'
import { blockFile, removeDir, tempStorageDir } from '../../test/support/store-fixtures.js'
import {
  ArtifactIntegrityError, ArtifactTooLargeError, BlockMissingError, ImportSourceError, UnsupportedSourceError,
  exportArtifact, importArtifact, listDagBlocks, openBlockstore
} from './index.js'
import type { ImportResult } from './index.js'
import type { FsBlockstore } from 'blockstore-fs'

const FILE_BYTES = 5 * 1024 * 1024 + 12_345

const exists = async (path: string): Promise<boolean> => await access(path).then(() => true, () => false)
const sha256 = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest()

describe('importArtifact + exportArtifact', () => {
  let dir: string
  let blockstore: FsBlockstore
  let data: Uint8Array
  let source: string

  beforeEach(async () => {
    dir = await tempStorageDir('io')
    blockstore = await openBlockstore(dir)
    data = seededBytes(1, FILE_BYTES)
    source = join(dir, 'artifact.bin')
    await writeFile(source, data)
  })
  afterEach(async () => { await removeDir(dir) })

  const exportTo = async (imported: ImportResult, name: string, overrides: { expectedSize?: number, expectedSha256?: string | Uint8Array } = {}): Promise<string> => {
    const destination = join(dir, 'out', name)
    await exportArtifact({ blockstore }, imported.cid, {
      expectedSize: overrides.expectedSize ?? imported.size,
      expectedSha256: overrides.expectedSha256 ?? imported.sha256,
      destination
    })
    return destination
  }

  it('imports a few MB file and exports identical bytes', async () => {
    const progress: number[] = []
    const imported = await importArtifact({ blockstore }, { file: source }, { onProgress: bytes => progress.push(bytes) })
    expect(imported.cid.version).toBe(1)
    expect(imported.size).toBe(FILE_BYTES)
    expect(Buffer.from(imported.sha256)).toEqual(sha256(data))
    expect(imported.blocks).toBeGreaterThan(5)
    expect(imported.newBlocks).toBe(imported.blocks)
    expect(progress.at(-1)).toBe(FILE_BYTES)

    const destination = await exportTo(imported, 'artifact.bin')
    expect(Buffer.from(await readFile(destination)).equals(Buffer.from(data))).toBe(true)
    expect(await exists(`${destination}.partial`)).toBe(false)
  })

  it('gives the same CID for a stream, a path, a file: URL and a plain path URL, and stores nothing twice', async () => {
    const first = await importArtifact({ blockstore }, chunksOf(data))
    for (const again of [{ file: source }, { url: pathToFileURL(source).href }, { url: source }]) {
      const imported = await importArtifact({ blockstore }, again)
      expect(imported.cid.equals(first.cid)).toBe(true)
      expect(imported.newBlocks).toBe(0)
      expect(imported.newBytes).toBe(0)
    }
  })

  it('round-trips an empty file and a single-block file', async () => {
    for (const bytes of [new Uint8Array(0), seededBytes(2, 1000)]) {
      const imported = await importArtifact({ blockstore }, chunksOf(bytes))
      expect(imported.size).toBe(bytes.byteLength)
      const destination = await exportTo(imported, `small-${bytes.byteLength}`)
      expect((await readFile(destination)).byteLength).toBe(bytes.byteLength)
    }
  })

  it('refuses a tampered block on disk, naming it, and leaves no destination file', async () => {
    const imported = await importArtifact({ blockstore }, { file: source })
    const leaves = (await listDagBlocks({ blockstore }, imported.cid)).filter(cid => cid.code === RAW_CODE)
    const victim = leaves[2]
    if (victim == null) throw new Error('expected several leaves')
    const file = blockFile(dir, victim)
    const original = await readFile(file)
    await writeFile(file, Buffer.from(original).map(b => b ^ 0xff))

    const error = await exportTo(imported, 'artifact.bin').catch((err: unknown) => err)
    expect(error).toBeInstanceOf(ArtifactIntegrityError)
    expect((error as ArtifactIntegrityError).code).toBe('FLEET_ERR_ARTIFACT_CORRUPT')
    expect((error as ArtifactIntegrityError).mismatch).toBe('block')
    expect((error as ArtifactIntegrityError).blockCid?.equals(victim)).toBe(true)
    expect(await exists(join(dir, 'out', 'artifact.bin'))).toBe(false)
    expect(await exists(join(dir, 'out', 'artifact.bin.partial'))).toBe(false)
  })

  it('keeps the previous file at the destination when the new one fails verification', async () => {
    const imported = await importArtifact({ blockstore }, { file: source })
    const destination = join(dir, 'out', 'app.bin')
    await exportTo(imported, 'app.bin')
    const other = await importArtifact({ blockstore }, chunksOf(seededBytes(3, 2_000_000)))
    await expect(exportTo(other, 'app.bin', { expectedSha256: imported.sha256 })).rejects.toBeInstanceOf(ArtifactIntegrityError)
    expect(sha256(await readFile(destination))).toEqual(Buffer.from(imported.sha256))
  })

  it('refuses a wrong expected sha256 with both hashes, and removes the partial file', async () => {
    const imported = await importArtifact({ blockstore }, { file: source })
    const wrong = 'ab'.repeat(32)
    const error = await exportTo(imported, 'artifact.bin', { expectedSha256: wrong }).catch((err: unknown) => err) as ArtifactIntegrityError
    expect(error).toBeInstanceOf(ArtifactIntegrityError)
    expect(error.mismatch).toBe('sha256')
    expect(error.expected).toBe(wrong)
    expect(error.actual).toBe(sha256(data).toString('hex'))
    expect(error.message).toContain(wrong)
    expect(await exists(join(dir, 'out', 'artifact.bin'))).toBe(false)
    expect(await exists(join(dir, 'out', 'artifact.bin.partial'))).toBe(false)
  })

  it('refuses a wrong expected size before writing anything', async () => {
    const imported = await importArtifact({ blockstore }, { file: source })
    const error = await exportTo(imported, 'artifact.bin', { expectedSize: FILE_BYTES - 1 }).catch((err: unknown) => err) as ArtifactIntegrityError
    expect(error.mismatch).toBe('size')
    expect([error.expected, error.actual]).toEqual([String(FILE_BYTES - 1), String(FILE_BYTES)])
    expect(await exists(join(dir, 'out'))).toBe(false)
  })

  it('reports a missing block with its CID', async () => {
    const imported = await importArtifact({ blockstore }, { file: source })
    const leaf = (await listDagBlocks({ blockstore }, imported.cid)).at(-1)
    if (leaf == null) throw new Error('no leaves')
    await blockstore.delete(leaf)
    const error = await exportTo(imported, 'artifact.bin').catch((err: unknown) => err)
    expect(error).toBeInstanceOf(BlockMissingError)
    expect((error as BlockMissingError).code).toBe('FLEET_ERR_BLOCK_MISSING')
    expect((error as BlockMissingError).cid.equals(leaf)).toBe(true)
    expect(await exists(join(dir, 'out', 'artifact.bin'))).toBe(false)
    expect(await exists(join(dir, 'out', 'artifact.bin.partial'))).toBe(false)
  })

  it('refuses a root that is a directory, not a file', async () => {
    let root
    for await (const entry of importer([{ path: 'dir/a.bin', content: data }], blockstore, { wrapWithDirectory: true })) root = entry.cid
    if (root == null) throw new Error('nothing imported')
    const error = await exportArtifact({ blockstore }, root, { expectedSize: 0, expectedSha256: new Uint8Array(32), destination: join(dir, 'out', 'x') })
      .catch((err: unknown) => err) as ArtifactIntegrityError
    expect(error).toBeInstanceOf(ArtifactIntegrityError)
    expect([error.mismatch, error.actual]).toEqual(['type', 'directory'])
  })

  it('removes the partial file when an export is aborted', async () => {
    const imported = await importArtifact({ blockstore }, { file: source })
    const controller = new AbortController()
    const destination = join(dir, 'out', 'artifact.bin')
    const exported = exportArtifact({ blockstore }, imported.cid, {
      expectedSize: imported.size,
      expectedSha256: imported.sha256,
      destination,
      signal: controller.signal,
      onProgress: bytes => { if (bytes > 1_000_000) controller.abort() }
    })
    await expect(exported).rejects.toThrow(/abort/i)
    expect(await exists(destination)).toBe(false)
    expect(await exists(`${destination}.partial`)).toBe(false)
  })

  it('refuses unsupported sources, unreadable files and oversized sources with typed errors', async () => {
    await expect(importArtifact({ blockstore }, { url: 'ftp://example.invalid/a.bin' })).rejects.toBeInstanceOf(UnsupportedSourceError)
    await expect(importArtifact({ blockstore }, { url: 'ftp://example.invalid/a.bin' })).rejects.toThrow(/ftp: .*use an http:, https: or file: URL/)
    await expect(importArtifact({ blockstore }, { file: join(dir, 'nope') })).rejects.toBeInstanceOf(ImportSourceError)
    await expect(importArtifact({ blockstore }, { file: source }, { sizeBytesMax: 1_000_000 })).rejects.toBeInstanceOf(ArtifactTooLargeError)
  })

  it('stops when aborted', async () => {
    const controller = new AbortController()
    const imported = importArtifact({ blockstore }, { file: source }, {
      signal: controller.signal,
      onProgress: bytes => { if (bytes > 1_000_000) controller.abort() }
    })
    await expect(imported).rejects.toThrow(/abort/i)
  })
})
