import { createHash } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { chunksOf, seededBytes } from '../../test/support/seeded-bytes.js'
import { blockFile, removeDir, tempStorageDir } from '../../test/support/store-fixtures.js'
import { ArtifactIntegrityError, BlockMissingError, hashArtifact, importArtifact, listDagBlocks, openBlockstore } from './index.js'
import type { FsBlockstore } from 'blockstore-fs'

const FILE_BYTES = 2 * 1024 * 1024 + 777

describe('hashArtifact', () => {
  let dir: string
  let blockstore: FsBlockstore
  beforeEach(async () => {
    dir = await tempStorageDir('hash')
    blockstore = await openBlockstore(dir)
  })
  afterEach(async () => { await removeDir(dir) })

  it('gives the size and sha256 of the imported bytes, reading only the store', async () => {
    const data = seededBytes(7, FILE_BYTES)
    const imported = await importArtifact({ blockstore }, chunksOf(data))
    let progress = 0
    const hashed = await hashArtifact({ blockstore }, imported.cid, { onProgress: bytes => { progress = bytes } })
    expect(hashed.size).toBe(FILE_BYTES)
    expect(Buffer.from(hashed.sha256).toString('hex')).toBe(createHash('sha256').update(data).digest('hex'))
    expect(progress).toBe(FILE_BYTES)
  })

  it('names a corrupt leaf and a missing one', async () => {
    const imported = await importArtifact({ blockstore }, chunksOf(seededBytes(8, FILE_BYTES)))
    const [, first, second] = await listDagBlocks({ blockstore }, imported.cid)
    if (first == null || second == null) throw new Error('expected a root and at least two leaves')
    await writeFile(blockFile(dir, first), 'tampered')
    const corrupt = await hashArtifact({ blockstore }, imported.cid).catch((err: unknown) => err)
    expect(corrupt).toBeInstanceOf(ArtifactIntegrityError)
    expect((corrupt as ArtifactIntegrityError).blockCid?.toString()).toBe(first.toString())
    await blockstore.delete(first)
    const missing = await hashArtifact({ blockstore }, imported.cid).catch((err: unknown) => err)
    expect(missing).toBeInstanceOf(BlockMissingError)
  })
})
