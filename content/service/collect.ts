import { diskUsage, gc } from '../store/index.js'
import { manifestRef } from '../manifest/index.js'
import { GC_LISTED_CIDS_MAX } from './constants.js'
import { pinToJson } from './types.js'
import type { ManifestDir } from './manifest-dir.js'
import type { GcReport, StoreUsage } from './types.js'
import type { Pin, PinStore } from '../store/index.js'
import type { Blockstore } from 'interface-blockstore'

export interface CollectComponents {
  storageDir: string
  blockstore: Pick<Blockstore, 'get' | 'getAll' | 'delete'>
  pins: Pick<PinStore, 'retained' | 'list' | 'unpin' | 'retainPerApp'>
  manifests: ManifestDir
}

export interface CollectOptions {
  dryRun?: boolean
  /** Roots kept besides the pins' (imports whose manifest is not registered yet). */
  extraRetained?: readonly Pin[]
  signal?: AbortSignal
}

/**
 * One GC round for a node, with the store lock held exclusively by the caller: collect every
 * block outside the retained DAGs, then forget versions no pin keeps (manifest and
 * materialised file) and drop their stale `previous` pins. With `dryRun` nothing changes and
 * the report says what would.
 */
export async function collect (c: CollectComponents, options: CollectOptions = {}): Promise<GcReport> {
  const dryRun = options.dryRun === true
  const retained = [...c.pins.retained(), ...options.extraRetained ?? []]
  const keptVersions = new Set(retained.map(p => manifestRef({ name: p.app, version: p.version })))
  const held = await c.manifests.list()
  const before = await usage(c, held)

  const deletedCids: string[] = []
  const result = await gc(c, { retained: () => retained }, {
    dryRun,
    ...(options.signal != null ? { signal: options.signal } : {}),
    onCollected: cid => { if (deletedCids.length < GC_LISTED_CIDS_MAX) deletedCids.push(cid.toString()) }
  })

  const removedArtifacts: GcReport['removedArtifacts'] = []
  for (const m of held) {
    if (keptVersions.has(manifestRef(m))) continue
    removedArtifacts.push({ ref: manifestRef(m), cid: m.cid, fileBytes: await c.manifests.fileSize(m) ?? 0 })
    if (!dryRun) await c.manifests.remove(m)
  }
  const retainedKeys = new Set(retained.map(pinKeyOf))
  const unpinned = c.pins.list().filter(p => !retainedKeys.has(pinKeyOf(p)))
  if (!dryRun) for (const p of unpinned) await c.pins.unpin(p)

  const removedFileBytes = removedArtifacts.reduce((n, a) => n + a.fileBytes, 0)
  const after: StoreUsage = dryRun
    ? { blocks: before.blocks - result.deletedBlocks, bytes: before.bytes - result.freedBytes, files: before.files - removedArtifacts.filter(a => a.fileBytes > 0).length, fileBytes: before.fileBytes - removedFileBytes }
    : await usage(c, await c.manifests.list())
  return {
    dryRun, retainPerApp: c.pins.retainPerApp,
    deletedBlocks: result.deletedBlocks, freedBytes: result.freedBytes,
    deletedCids, deletedCidsTruncated: result.deletedBlocks > deletedCids.length,
    removedArtifacts, unpinned: unpinned.map(pinToJson), retained: retained.map(pinToJson),
    before, after
  }
}

function pinKeyOf (p: Pick<Pin, 'app' | 'version' | 'reason'>): string {
  return `${p.app}\u0000${p.version}\u0000${p.reason}`
}

/** Block store usage plus the materialised files of the manifests held. */
export async function usage (c: Pick<CollectComponents, 'storageDir' | 'manifests'>, held: ReadonlyArray<{ name: string, version: string }>): Promise<StoreUsage> {
  const disk = await diskUsage(c.storageDir)
  let files = 0
  let fileBytes = 0
  for (const ref of held) {
    const size = await c.manifests.fileSize(ref)
    if (size == null) continue
    files++
    fileBytes += size
  }
  return { ...disk, files, fileBytes }
}
