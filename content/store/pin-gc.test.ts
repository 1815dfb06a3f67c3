import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { chunksOf, seededBytes } from '../../test/support/seeded-bytes.js'
import { blockFile, removeDir, tempStorageDir } from '../../test/support/store-fixtures.js'
import {
  ArtifactIntegrityError, InvalidPinError, PINS_DIR, PinStoreError, diskUsage, gc, importArtifact,
  listDagBlocks, missingBlocks, openBlockstore, openPinStore
} from './index.js'
import type { ImportResult, PinStore } from './index.js'
import type { FsBlockstore } from 'blockstore-fs'

const VERSION_BYTES = 1_500_000

describe('pins and GC', () => {
  let dir: string
  let blockstore: FsBlockstore
  let pins: PinStore

  beforeEach(async () => {
    dir = await tempStorageDir('gc')
    blockstore = await openBlockstore(dir)
    pins = await openPinStore(dir, { retainPerApp: 2 })
  })
  afterEach(async () => {
    await pins.close()
    await removeDir(dir)
  })

  let seed = 100
  const importVersion = async (): Promise<ImportResult> => await importArtifact({ blockstore }, chunksOf(seededBytes(seed++, VERSION_BYTES)))
  const isComplete = async (imported: ImportResult): Promise<boolean> => {
    if (!await blockstore.has(imported.cid)) return false
    return (await missingBlocks({ blockstore }, imported.cid)).missing.length === 0
  }

  it('setRunning keeps exactly the running and previous N versions of each app, across a reopen', async () => {
    for (const [app, count] of [['a', 5], ['b', 3]] as const) {
      for (let v = 1; v <= count; v++) {
        await pins.setRunning({ app, version: `${v}.0.0`, cid: (await importVersion()).cid, atMs: v * 1000 })
      }
    }
    const expected = ['a@3.0.0:previous', 'a@4.0.0:previous', 'a@5.0.0:running', 'b@1.0.0:previous', 'b@2.0.0:previous', 'b@3.0.0:running']
    const names = (store: PinStore): string[] => store.list().map(p => `${p.app}@${p.version}:${p.reason}`)
    expect(names(pins)).toEqual(expected)
    await pins.close()
    pins = await openPinStore(dir, { retainPerApp: 2 })
    expect(names(pins)).toEqual(expected)
  })

  it('collects every block outside the retained DAGs and keeps those DAGs whole', async () => {
    const a = [await importVersion(), await importVersion(), await importVersion(), await importVersion()]
    const b = [await importVersion(), await importVersion()]
    const manual = await importVersion()
    const plan = await importVersion()
    const stray = await importVersion()
    for (const [i, v] of a.entries()) await pins.setRunning({ app: 'a', version: `${i}`, cid: v.cid, atMs: i })
    for (const [i, v] of b.entries()) await pins.setRunning({ app: 'b', version: `${i}`, cid: v.cid, atMs: i })
    await pins.pin({ app: 'c', version: 'pinned', cid: manual.cid, reason: 'manual', atMs: 0 })
    await pins.pin({ app: 'a', version: 'next', cid: plan.cid, reason: 'plan', atMs: 9 })

    const before = await diskUsage(dir)
    const result = await gc({ blockstore }, pins)
    const after = await diskUsage(dir)

    const kept = [a[1], a[2], a[3], b[0], b[1], manual, plan]
    for (const v of kept) expect(await isComplete(v!)).toBe(true)
    for (const v of [a[0], stray]) expect(await blockstore.has(v!.cid)).toBe(false)
    const keptBlocks = kept.reduce((n, v) => n + v!.blocks, 0)
    expect(after.blocks).toBe(keptBlocks)
    expect(result.deletedBlocks).toBe(a[0]!.blocks + stray.blocks)
    expect(result.deletedBlocks).toBe(before.blocks - after.blocks)
    expect(result.freedBytes).toBe(before.bytes - after.bytes)
    expect(result.retainedRoots).toBe(kept.length)

    // Nothing left to collect.
    expect((await gc({ blockstore }, pins)).deletedBlocks).toBe(0)
  })

  it('a dry run reports what would be collected and deletes nothing', async () => {
    const running = await importVersion()
    const stray = await importVersion()
    await pins.setRunning({ app: 'a', version: '1', cid: running.cid, atMs: 1 })
    const before = await diskUsage(dir)
    const collected: string[] = []
    const dry = await gc({ blockstore }, pins, { dryRun: true, onCollected: cid => { collected.push(cid.toString()) } })
    expect(await diskUsage(dir)).toEqual(before)
    expect(dry.deletedBlocks).toBe(stray.blocks)
    expect(collected).toHaveLength(stray.blocks)
    const real = await gc({ blockstore }, pins)
    expect(real).toEqual(dry)
    expect(await blockstore.has(stray.cid)).toBe(false)
    expect(await isComplete(running)).toBe(true)
  })

  it('keeps what exists of an incomplete retained DAG', async () => {
    const running = await importVersion()
    const stray = await importVersion()
    await pins.setRunning({ app: 'a', version: '1', cid: running.cid, atMs: 1 })
    const leaves = (await listDagBlocks({ blockstore }, running.cid)).slice(1)
    for (const leaf of leaves.filter((_, i) => i % 2 === 0)) await blockstore.delete(leaf)
    const present = await diskUsage(dir)

    const result = await gc({ blockstore }, pins)
    expect(result.deletedBlocks).toBe(stray.blocks)
    expect((await diskUsage(dir)).blocks).toBe(present.blocks - stray.blocks)
    expect((await missingBlocks({ blockstore }, running.cid)).missing).toHaveLength(Math.ceil(leaves.length / 2))
  })

  it('refuses to collect when a retained DAG has a corrupt internal node, deleting nothing', async () => {
    const running = await importVersion()
    await importVersion()
    await pins.setRunning({ app: 'a', version: '1', cid: running.cid, atMs: 1 })
    await writeFile(blockFile(dir, running.cid), 'not a dag-pb node')
    const before = await diskUsage(dir)
    await expect(gc({ blockstore }, pins)).rejects.toBeInstanceOf(ArtifactIntegrityError)
    expect(await diskUsage(dir)).toEqual(before)
  })

  it('refuses malformed pins and a second opening of the same store', async () => {
    const { cid } = await importVersion()
    await expect(pins.pin({ app: '', version: '1', cid, reason: 'manual', atMs: 0 })).rejects.toBeInstanceOf(InvalidPinError)
    await expect(pins.pin({ app: 'a', version: 'x\u0000y', cid, reason: 'manual', atMs: 0 })).rejects.toThrow(/version/)
    await expect(pins.pin({ app: 'a', version: '1', cid, reason: 'manual', atMs: -1 })).rejects.toThrow(/atMs/)
    await expect(openPinStore(dir)).rejects.toBeInstanceOf(PinStoreError)
    expect(await pins.unpin({ app: 'a', version: '1', reason: 'manual' })).toBe(false)
  })

  it('refuses to open a pin database holding an unreadable record, so GC cannot run on bad pins', async () => {
    await pins.close()
    const db = new Level<string, unknown>(join(dir, PINS_DIR), { valueEncoding: 'json' })
    await db.put('a\u00001\u0000running', { app: 'a', version: '1', cid: 'not a cid', reason: 'running', atMs: 1 })
    await db.close()
    const error = await openPinStore(dir).catch((err: unknown) => err)
    expect(error).toBeInstanceOf(PinStoreError)
    expect((error as PinStoreError).code).toBe('FLEET_ERR_PIN_STORE')
    await db.open()
    await db.clear()
    await db.close()
    pins = await openPinStore(dir)
  })
})
