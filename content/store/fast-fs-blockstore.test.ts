import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { FsBlockstore } from 'blockstore-fs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { BLOCK_BYTES_MAX } from './constants.js'
import { FastFsBlockstore } from './fast-fs-blockstore.js'

async function block (bytes: Uint8Array): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(bytes))
}

async function readAll (store: Pick<FsBlockstore, 'get'>, cid: CID): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const part of store.get(cid)) parts.push(part)
  return Buffer.concat(parts)
}

async function stores (): Promise<{ dir: string, fast: FastFsBlockstore, plain: FsBlockstore }> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetd-fast-fs-'))
  const fast = new FastFsBlockstore(dir)
  const plain = new FsBlockstore(dir)
  await fast.open()
  return { dir, fast, plain }
}

describe('FastFsBlockstore', () => {
  it('writes and reads the same files as blockstore-fs', async () => {
    const { fast, plain } = await stores()
    const a = randomBytes(80_000)
    const b = randomBytes(1000)
    const [ca, cb] = [await block(a), await block(b)]
    await fast.put(ca, a)
    await plain.put(cb, b)
    expect((await readAll(plain, ca)).equals(a)).toBe(true)
    expect((await readAll(fast, cb)).equals(b)).toBe(true)
    expect(await plain.has(ca)).toBe(true)
    const all: string[] = []
    for await (const pair of plain.getAll()) all.push(Buffer.from(pair.cid.multihash.bytes).toString('hex'))
    expect(all.sort()).toEqual([ca, cb].map(c => Buffer.from(c.multihash.bytes).toString('hex')).sort())
  })

  it('reports a missing block as NotFoundError and a failed write as PutFailedError, as blockstore-fs does', async () => {
    const { dir, fast } = await stores()
    const missing = await block(randomBytes(10))
    await expect(readAll(fast, missing)).rejects.toMatchObject({ name: 'NotFoundError' })
    await rm(dir, { recursive: true })
    await import('node:fs/promises').then(async fs => { await fs.writeFile(dir, 'not a folder') })
    await expect(fast.put(missing, randomBytes(10))).rejects.toMatchObject({ name: 'PutFailedError' })
  })

  it('survives concurrent puts of one block and a shard folder removed behind its back, leaving no temporary files', async () => {
    const { fast } = await stores()
    const bytes = randomBytes(50_000)
    const cid = await block(bytes)
    await Promise.all([fast.put(cid, bytes), fast.put(cid, bytes), fast.put(cid, bytes)])
    expect((await readAll(fast, cid)).equals(bytes)).toBe(true)
    const shard = dirname(join(fast.path, (await readdir(fast.path, { recursive: true })).find(f => f.endsWith('.data')) ?? ''))
    expect((await readdir(shard)).filter(f => f.endsWith('.tmp'))).toEqual([])
    await rm(shard, { recursive: true })
    await fast.put(cid, bytes)
    expect((await readAll(fast, cid)).equals(bytes)).toBe(true)
  })

  it('streams a file over BLOCK_BYTES_MAX instead of reading it whole', async () => {
    const { fast } = await stores()
    const bytes = randomBytes(BLOCK_BYTES_MAX + 1)
    const cid = await block(bytes)
    await fast.put(cid, bytes)
    const parts: Uint8Array[] = []
    for await (const part of fast.get(cid)) parts.push(part)
    expect(parts.length).toBeGreaterThan(1)
    expect(Buffer.concat(parts).equals(bytes)).toBe(true)
  })
})
