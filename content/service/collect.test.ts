import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { chunksOf, seededBytes } from '../../test/support/seeded-bytes.js'
import { removeDir, tempStorageDir } from '../../test/support/store-fixtures.js'
import { parseManifest, signManifest } from '../manifest/index.js'
import { importArtifact, missingBlocks, openBlockstore, openPinStore } from '../store/index.js'
import { collect } from './collect.js'
import { ManifestDir } from './manifest-dir.js'
import { UnregisteredImports } from './unregistered-imports.js'
import { UNREGISTERED_IMPORT_GRACE_MS } from './constants.js'
import type { ImportResult, PinStore } from '../store/index.js'
import type { FsBlockstore } from 'blockstore-fs'

const key = await generateKeyPair('Ed25519')

describe('collect (one GC round of a node)', () => {
  let dir: string
  let blockstore: FsBlockstore
  let pins: PinStore
  let manifests: ManifestDir
  beforeEach(async () => {
    dir = await tempStorageDir('collect')
    blockstore = await openBlockstore(dir)
    pins = await openPinStore(dir, { retainPerApp: 1 })
    manifests = new ManifestDir(dir)
  })
  afterEach(async () => {
    await pins.close()
    await removeDir(dir)
  })

  let seed = 500
  /** Imports a version, saves its signed manifest and pins it `previous` at `atMs`, as register does. */
  const held = async (version: string, atMs: number): Promise<ImportResult> => {
    const imported = await importArtifact({ blockstore }, chunksOf(seededBytes(seed++, 400_000)))
    const manifest = await signManifest(parseManifest({
      name: 'app', version, platforms: ['linux/arm64'], type: 'binary', size: imported.size, sha256: imported.sha256,
      cid: imported.cid.toString(), createdMs: atMs, signatures: []
    }), key)
    await manifests.save(manifest)
    await pins.pin({ app: 'app', version, cid: imported.cid, reason: 'previous', atMs })
    return imported
  }
  const c = (): Parameters<typeof collect>[0] => ({ storageDir: dir, blockstore, pins, manifests })

  it('forgets versions beyond the policy (manifest, pin, blocks) and keeps the newest', async () => {
    const [v1, v2, v3] = [await held('1', 1), await held('2', 2), await held('3', 3)]
    const dry = await collect(c(), { dryRun: true })
    expect(dry.removedArtifacts.map(a => a.ref)).toEqual(['app@1', 'app@2'])
    expect((await manifests.list()).length).toBe(3)
    expect(pins.list().length).toBe(3)

    const report = await collect(c())
    expect(report.deletedBlocks).toBe(v1.blocks + v2.blocks)
    expect(report.unpinned.map(p => p.version)).toEqual(['1', '2'])
    expect(report.after).toEqual(dry.after)
    expect((await manifests.list()).map(m => m.version)).toEqual(['3'])
    expect(pins.list().map(p => p.version)).toEqual(['3'])
    expect((await missingBlocks({ blockstore }, v3.cid)).missing).toEqual([])
    expect(await blockstore.has(v1.cid)).toBe(false)
  })

  it('spares an import whose manifest is not registered yet, until its grace period ends', async () => {
    let now = 1_000
    const imports = new UnregisteredImports({ nowMs: () => now })
    const pending = await importArtifact({ blockstore }, chunksOf(seededBytes(seed++, 300_000)))
    imports.add(pending.cid)
    expect((await collect(c(), { extraRetained: imports.asPins() })).deletedBlocks).toBe(0)
    now += UNREGISTERED_IMPORT_GRACE_MS + 1
    expect(imports.asPins()).toEqual([])
    expect((await collect(c(), { extraRetained: imports.asPins() })).deletedBlocks).toBe(pending.blocks)
  })
})
