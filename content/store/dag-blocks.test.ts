import { readFile } from 'node:fs/promises'
import { code as DAG_PB_CODE } from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { code as RAW_CODE } from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { chunksOf, seededBytes } from '../../test/support/seeded-bytes.js'
import { blockFile, removeDir, tempStorageDir } from '../../test/support/store-fixtures.js'
import { RABIN_CHUNK_BYTES_AVG, UnsupportedHashError, importArtifact, listDagBlocks, missingBlocks, openBlockstore, verifyBlock } from './index.js'
import type { FsBlockstore } from 'blockstore-fs'

describe('listDagBlocks and missingBlocks', () => {
  let dir: string
  let blockstore: FsBlockstore

  beforeEach(async () => {
    dir = await tempStorageDir('dag')
    blockstore = await openBlockstore(dir)
  })
  afterEach(async () => { await removeDir(dir) })

  /** The leaves' bytes in listed order, concatenated: equal to the file only if the order is file order. */
  const concatLeaves = async (cids: CID[]): Promise<Buffer> =>
    Buffer.concat(await Promise.all(cids.filter(cid => cid.code === RAW_CODE).map(async cid => await readFile(blockFile(dir, cid)))))

  it('lists the root first, then the leaves in file order', async () => {
    const data = seededBytes(11, 4 * 1024 * 1024)
    const { cid, blocks } = await importArtifact({ blockstore }, chunksOf(data))
    const listed = await listDagBlocks({ blockstore }, cid)
    expect(listed[0]?.equals(cid)).toBe(true)
    expect(listed[0]?.code).toBe(DAG_PB_CODE)
    expect(listed.slice(1).every(c => c.code === RAW_CODE)).toBe(true)
    expect(listed).toHaveLength(blocks)
    expect((await concatLeaves(listed)).equals(Buffer.from(data))).toBe(true)
    expect(await missingBlocks({ blockstore }, cid)).toEqual({ total: blocks, missing: [] })
  })

  it('lists internal nodes before leaves in a two-level DAG, in the same order every time', async () => {
    // 175 fixed-size chunks: one more than fits under one node, so the root has two children.
    const data = seededBytes(12, 175 * RABIN_CHUNK_BYTES_AVG)
    const { cid } = await importArtifact({ blockstore }, chunksOf(data, 1024 * 1024), { chunking: 'fixed-size' })
    const listed = await listDagBlocks({ blockstore }, cid)
    expect(listed.slice(0, 3).map(c => c.code)).toEqual([DAG_PB_CODE, DAG_PB_CODE, DAG_PB_CODE])
    expect(listed).toHaveLength(3 + 175)
    expect((await concatLeaves(listed)).equals(Buffer.from(data))).toBe(true)
    expect((await listDagBlocks({ blockstore }, cid)).map(String)).toEqual(listed.map(String))

    // Without the second internal node its leaves are unknown: only the node itself is reported.
    const second = listed[2]
    if (second == null) throw new Error('expected an internal node')
    await blockstore.delete(second)
    const { total, missing } = await missingBlocks({ blockstore }, cid)
    expect(missing.map(String)).toEqual([second.toString()])
    expect(total).toBe(listed.length - 1)
  })

  it('reports exactly the leaves deleted, in list order, and works with only internal nodes present', async () => {
    const { cid } = await importArtifact({ blockstore }, chunksOf(seededBytes(13, 3 * 1024 * 1024)))
    const listed = await listDagBlocks({ blockstore }, cid)
    const leaves = listed.slice(1)
    const deleted = [leaves[4], leaves[0], leaves[2]].filter(c => c != null)
    for (const leaf of deleted) await blockstore.delete(leaf)
    const { total, missing } = await missingBlocks({ blockstore }, cid)
    expect(total).toBe(listed.length)
    expect(missing.map(String)).toEqual([leaves[0], leaves[2], leaves[4]].map(String))

    for (const leaf of leaves) await blockstore.delete(leaf)
    expect((await listDagBlocks({ blockstore }, cid)).map(String)).toEqual(listed.map(String))
    expect((await missingBlocks({ blockstore }, cid)).missing.map(String)).toEqual(leaves.map(String))

    await blockstore.delete(cid)
    expect(await missingBlocks({ blockstore }, cid)).toEqual({ total: 1, missing: [cid] })
  })
})

describe('verifyBlock', () => {
  it('accepts the bytes a CID names and nothing else', async () => {
    const bytes = seededBytes(14, 10_000)
    const cid = CID.createV1(RAW_CODE, await sha256.digest(bytes))
    expect(await verifyBlock(cid, bytes)).toBe(true)
    expect(await verifyBlock(cid, bytes.subarray(1))).toBe(false)
    const flipped = Uint8Array.from(bytes)
    flipped[5000] = (flipped[5000] ?? 0) ^ 1
    expect(await verifyBlock(cid, flipped)).toBe(false)
  })

  it('refuses a CID whose hash function it cannot compute', async () => {
    const blake3 = CID.createV1(RAW_CODE, createDigest(0x1e, new Uint8Array(32)))
    await expect(verifyBlock(blake3, new Uint8Array(1))).rejects.toBeInstanceOf(UnsupportedHashError)
  })
})
