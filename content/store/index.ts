/**
 * The artifact store: content-addressed UnixFS DAGs in the node's blockstore
 * (`<storageDir>/blocks`, shared with Helia/bitswap and the swarm layer), pins in
 * `<storageDir>/pins`, and GC.
 *
 * - `importArtifact` turns a stream, file or URL into a DAG (CIDv1, raw leaves, rabin chunks,
 *   balanced layout) with bounded memory, and reports its sha256 and how much was new.
 * - `exportArtifact` verifies every block and the whole file against the manifest and only then
 *   renames it into place; `hashArtifact` computes size and sha256 from the blocks without
 *   writing a copy.
 * - `verifyBlock`, `listDagBlocks` and `missingBlocks` serve whoever fetches blocks from peers.
 * - `openPinStore` keeps the running, the previous `retainPerApp`, the planned and manually
 *   pinned versions of each app; `gc` deletes every block outside their DAGs.
 *
 * Every function takes only the blockstore methods it uses (STYLE rule 2).
 *
 * @example
 * ```ts
 * import { diskUsage, exportArtifact, gc, importArtifact, missingBlocks, openBlockstore, openPinStore } from './index.js'
 *
 * const storageDir = '/tmp/fleetd-store-example'
 * const blockstore = await openBlockstore(storageDir)
 * const pins = await openPinStore(storageDir, { retainPerApp: 2 })
 *
 * const imported = await importArtifact({ blockstore }, { file: '/etc/hostname' }, {
 *   onProgress: bytes => { console.log(`${bytes} bytes read`) }
 * })
 * console.log(imported.cid.toString(), imported.newBytes, 'new bytes of', imported.size)
 *
 * const { missing } = await missingBlocks({ blockstore }, imported.cid)
 * console.log(missing.length, 'blocks to fetch')
 *
 * await exportArtifact({ blockstore }, imported.cid, {
 *   expectedSize: imported.size,
 *   expectedSha256: imported.sha256,
 *   destination: `${storageDir}/apps/hostname`
 * })
 *
 * await pins.setRunning({ app: 'hostname', version: '1.0.0', cid: imported.cid, atMs: Date.now() })
 * const { deletedBlocks, freedBytes } = await gc({ blockstore }, pins)
 * console.log(deletedBlocks, freedBytes, await diskUsage(storageDir))
 * await pins.close()
 * ```
 */
import { LevelPinStore } from './pin-store.js'
import type { PinStore, PinStoreInit } from './pin-store-types.js'

export { openBlockstore, BLOCKS_DIR } from './blockstore.js'
export { importArtifact } from './import-artifact.js'
export type { ImportComponents, ImportOptions, ImportResult } from './import-artifact.js'
export type { ImportSource } from './import-source.js'
export { exportArtifact } from './export-artifact.js'
export type { ExportComponents, ExportOptions, ExportResult } from './export-artifact.js'
export { verifyBlock } from './verify-block.js'
export { readVerifiedBlock } from './read-block.js'
export { hashArtifact } from './hash-artifact.js'
export type { HashedArtifact } from './hash-artifact.js'
export { listDagBlocks, missingBlocks } from './dag-blocks.js'
export { walkDag } from './dag-walk.js'
export type { DagWalk } from './dag-walk.js'
export type { MissingBlocks } from './dag-blocks.js'
export { gc } from './gc.js'
export type { GcOptions, GcResult } from './gc.js'
export { diskUsage } from './disk-usage.js'
export type { DiskUsage } from './disk-usage.js'
export { retainedPins } from './retention.js'
export { PIN_REASONS } from './pin.js'
export type { Pin, PinReason, PinRef } from './pin.js'
export type { PinStore, PinStoreInit, RunningVersion } from './pin-store-types.js'
export { PINS_DIR } from './pin-store.js'
export {
  RABIN_CHUNK_BYTES_MIN, RABIN_CHUNK_BYTES_AVG, RABIN_CHUNK_BYTES_MAX, BLOCK_BYTES_MAX, ARTIFACT_BYTES_MAX, RETAIN_PER_APP_DEFAULT
} from './constants.js'
export {
  ArtifactIntegrityError, ArtifactTooLargeError, BlockMissingError, ImportSourceError, InvalidPinError,
  PinLimitError, PinStoreError, UnsupportedHashError, UnsupportedSourceError
} from './errors.js'
export type { ArtifactIntegrityDetails, IntegrityMismatch } from './errors.js'

/**
 * Opens the pin store at `<storageDir>/pins` (a level database; one process at a time).
 *
 * @throws {PinStoreError} when it is in use by another process, unreadable, or holds a bad record
 */
export async function openPinStore (storageDir: string, init: PinStoreInit = {}): Promise<PinStore> {
  return await LevelPinStore.open(storageDir, init)
}
