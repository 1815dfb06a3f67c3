import { CID } from 'multiformats/cid'
import { manifestRef, manifestToJson, verifyManifest } from '../manifest/index.js'
import { diskUsage, missingBlocks } from '../store/index.js'
import { ArtifactNotFoundError } from './errors.js'
import { pinToJson } from './types.js'
import type { ArtifactRef, ManifestDir } from './manifest-dir.js'
import type { ArtifactDetails, ArtifactEntry, ArtifactListing, PinJson } from './types.js'
import type { TrustedKey } from '../keys/index.js'
import type { Manifest } from '../manifest/index.js'
import type { PinStore } from '../store/index.js'
import type { Blockstore } from 'interface-blockstore'

/** What the read-only queries of the artifact service need. */
export interface QueryComponents {
  storageDir: string
  blockstore: Pick<Blockstore, 'get' | 'has'>
  pins: Pick<PinStore, 'list' | 'retained' | 'retainPerApp'>
  manifests: ManifestDir
  trustedKeys: readonly TrustedKey[]
}

export function pinsOf (pins: Pick<PinStore, 'list'>, ref: ArtifactRef): PinJson[] {
  return pins.list().filter(p => p.app === ref.name && p.version === ref.version).map(pinToJson)
}

async function entryOf (q: QueryComponents, m: Manifest): Promise<ArtifactEntry> {
  const fileBytes = await q.manifests.fileSize(m)
  return {
    manifest: manifestToJson(m),
    path: q.manifests.artifactPath(m),
    ...(fileBytes != null ? { fileBytes } : {}),
    pins: pinsOf(q.pins, m).map(p => p.reason),
    retained: q.pins.retained().some(p => p.app === m.name && p.version === m.version)
  }
}

export async function listing (q: QueryComponents, uploads: Record<string, number>): Promise<ArtifactListing> {
  const artifacts: ArtifactEntry[] = []
  for (const m of await q.manifests.list()) artifacts.push(await entryOf(q, m))
  const materialised = artifacts.filter(a => a.fileBytes != null)
  return {
    artifacts,
    pins: q.pins.list().map(pinToJson),
    retainPerApp: q.pins.retainPerApp,
    disk: await diskUsage(q.storageDir),
    files: { count: materialised.length, bytes: materialised.reduce((n, a) => n + (a.fileBytes ?? 0), 0) },
    uploads
  }
}

/**
 * One held artifact in full. By CID, several versions may share the root (a re-release of the
 * same bytes): the newest is shown and the others are named in `sameCid`.
 */
export async function details (q: QueryComponents, query: { ref: ArtifactRef } | { cid: string }): Promise<ArtifactDetails> {
  let matches: Manifest[]
  if ('ref' in query) {
    const m = await q.manifests.load(query.ref)
    matches = m == null ? [] : [m]
  } else {
    const wanted = CID.parse(query.cid).multihash.bytes
    matches = (await q.manifests.list())
      .filter(m => Buffer.from(CID.parse(m.cid).multihash.bytes).equals(wanted))
      .sort((a, b) => b.createdMs - a.createdMs)
  }
  const [m, ...others] = matches
  if (m == null) {
    throw new ArtifactNotFoundError(`this node holds no artifact ${'ref' in query ? manifestRef(query.ref) : `with cid ${query.cid}`}; see fleet-node artifact list, or fetch it first`)
  }
  const { total, missing } = await missingBlocks(q, CID.parse(m.cid))
  const pinned = pinsOf(q.pins, m)
  return {
    ...await entryOf(q, m),
    ref: manifestRef(m),
    pinned,
    blocks: { total, missing: missing.length },
    complete: missing.length === 0,
    signature: await signatureOf(m, q.trustedKeys),
    sameCid: others.map(manifestRef)
  }
}

async function signatureOf (m: Manifest, trusted: readonly TrustedKey[]): Promise<ArtifactDetails['signature']> {
  try {
    const v = await verifyManifest(m, trusted)
    return { ok: true, keyIds: v.keyIds, unknownKeyIds: v.unknownKeyIds }
  } catch (err) {
    return { ok: false, keyIds: [], unknownKeyIds: m.signatures.map(s => s.keyId), message: (err as Error).message }
  }
}
