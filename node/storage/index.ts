/**
 * A node's storage directory: identity, fleet membership and state, persisted with level.
 * `/var/lib/fleetd` as root, `~/.fleetd` otherwise; `--storage-dir` overrides.
 *
 * @example
 * ```ts
 * import { openStorage } from './storage/index.js'
 * const store = await openStorage('/tmp/fleetd-example')
 * const key = await store.privateKey()
 * await store.close()
 * ```
 */
import { NodeStore } from './node-store.js'
import { prepareStorageDir } from './storage-dir.js'

export { NodeStore } from './node-store.js'
export { defaultStorageDir, prepareStorageDir } from './storage-dir.js'
export { StorageDirError, StorageLockedError } from './errors.js'

export async function openStorage (dir: string): Promise<NodeStore> {
  return await NodeStore.open(await prepareStorageDir(dir))
}
