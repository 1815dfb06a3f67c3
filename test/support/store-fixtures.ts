/** Helpers for tests of content/store: temporary storage dirs and the on-disk file of a block. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { base32upper } from 'multiformats/bases/base32'
import type { CID } from 'multiformats/cid'

export async function tempStorageDir (prefix: string): Promise<string> {
  return await mkdtemp(join(tmpdir(), `fleetd-store-${prefix}-`))
}

export async function removeDir (dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}

/** Where blockstore-fs keeps a block: `<blocks>/<last 2 chars>/<base32 multihash>.data`. */
export function blockFile (storageDir: string, cid: CID): string {
  const name = base32upper.encoder.encode(cid.multihash.bytes)
  return join(storageDir, 'blocks', name.slice(-2), `${name}.data`)
}
