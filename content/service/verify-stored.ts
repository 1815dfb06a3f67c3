import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { CID } from 'multiformats/cid'
import { manifestRef, verifyManifest } from '../manifest/index.js'
import { ArtifactIntegrityError, BlockMissingError, hashArtifact, listDagBlocks, readVerifiedBlock } from '../store/index.js'
import { VERIFY_LISTED_CIDS_MAX, VERIFY_PROGRESS_BLOCKS } from './constants.js'
import type { TrustedKey } from '../keys/index.js'
import type { Manifest } from '../manifest/index.js'
import type { StoredVerification, VerifyProblem } from './types.js'
import type { Blockstore } from 'interface-blockstore'

export interface VerifyStoredComponents {
  blockstore: Pick<Blockstore, 'get'>
  trustedKeys: readonly TrustedKey[]
}

export interface VerifyStoredOptions {
  /** The materialised file, re-hashed when present. */
  path: string
  signal?: AbortSignal
  onProgress?(blocksChecked: number, blocks: number): void
}

const CORRUPT = 'FLEET_ERR_ARTIFACT_CORRUPT'
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/**
 * Checks an artifact a node holds, every check run even after one fails so the report names
 * all that is wrong: the manifest's signatures against the node's trusted keys; every block of
 * the DAG read and re-hashed against its CID; the materialised file (if any) re-hashed against
 * the manifest's size and sha256; and the file the blocks hold, hashed the same way.
 */
export async function verifyStored (c: VerifyStoredComponents, manifest: Manifest, options: VerifyStoredOptions): Promise<StoredVerification> {
  const ref = manifestRef(manifest)
  const problems: VerifyProblem[] = []
  const report: StoredVerification = {
    ok: false, ref, cid: manifest.cid,
    signature: { ok: false, keyIds: [], unknownKeyIds: [] },
    blocks: { total: 0, verified: 0, missing: 0, corrupt: 0, missingCids: [], corruptCids: [] },
    file: { path: options.path, present: false },
    content: { checked: false },
    problems
  }
  try {
    const v = await verifyManifest(manifest, c.trustedKeys)
    report.signature = { ok: true, keyIds: v.keyIds, unknownKeyIds: v.unknownKeyIds }
  } catch (err) {
    problems.push(problemOf('signature', err))
  }
  const root = CID.parse(manifest.cid)
  await checkBlocks(c.blockstore, root, report, options)
  await checkFile(manifest, report, options)
  if (report.blocks.missing === 0 && report.blocks.corrupt === 0 && !problems.some(p => p.check === 'blocks')) {
    try {
      const { size, sha256 } = await hashArtifact(c, root, { signal: options.signal })
      const ok = size === manifest.size && hex(sha256) === hex(manifest.sha256)
      report.content = { checked: true, size, sha256: hex(sha256), ok }
      if (!ok) {
        problems.push({
          check: 'content', code: CORRUPT,
          message: `the blocks of ${ref} (cid ${manifest.cid}) hold ${size} bytes with sha256 ${hex(sha256)}, the manifest says ${manifest.size} bytes, sha256 ${hex(manifest.sha256)}: the manifest does not describe this DAG; upload the artifact again to get a matching manifest`
        })
      }
    } catch (err) {
      problems.push(problemOf('content', err))
    }
  }
  report.ok = problems.length === 0
  return report
}

async function checkBlocks (blockstore: Pick<Blockstore, 'get'>, root: CID, report: StoredVerification, options: VerifyStoredOptions): Promise<void> {
  const { blocks } = report
  let cids: CID[]
  try {
    cids = await listDagBlocks({ blockstore }, root, { signal: options.signal })
  } catch (err) {
    // A corrupt internal node: its children cannot be known, so the walk stops there.
    report.problems.push(problemOf('blocks', err))
    return
  }
  blocks.total = cids.length
  for (const [i, cid] of cids.entries()) {
    try {
      await readVerifiedBlock(blockstore, cid, root, { signal: options.signal })
      blocks.verified++
    } catch (err) {
      if (err instanceof BlockMissingError) {
        if (blocks.missing++ < VERIFY_LISTED_CIDS_MAX) blocks.missingCids.push(cid.toString())
      } else if (err instanceof ArtifactIntegrityError) {
        if (blocks.corrupt++ < VERIFY_LISTED_CIDS_MAX) blocks.corruptCids.push(cid.toString())
      } else {
        throw err
      }
    }
    if ((i + 1) % VERIFY_PROGRESS_BLOCKS === 0) options.onProgress?.(i + 1, cids.length)
  }
  options.onProgress?.(cids.length, cids.length)
  if (blocks.corrupt > 0) {
    report.problems.push({
      check: 'blocks', code: CORRUPT,
      message: `${blocks.corrupt} of ${blocks.total} blocks of ${report.ref} are corrupt (first: ${blocks.corruptCids[0] ?? '?'}): their bytes do not hash to their CIDs; delete those block files from the node's blocks/ folder, then fetch the artifact again`
    })
  }
  if (blocks.missing > 0) {
    report.problems.push({
      check: 'blocks', code: BlockMissingError.code,
      message: `${blocks.missing} of ${blocks.total} known blocks of ${report.ref} are not in the store (first: ${blocks.missingCids[0] ?? '?'}); fetch the artifact again (fleet-node artifact fetch MANIFEST.json) to complete it`
    })
  }
}

async function checkFile (manifest: Manifest, report: StoredVerification, options: VerifyStoredOptions): Promise<void> {
  const s = await stat(options.path).catch(() => undefined)
  if (s?.isFile() !== true) return
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of createReadStream(options.path, { signal: options.signal })) {
    hash.update(chunk as Buffer)
    size += (chunk as Buffer).byteLength
  }
  const sha256 = hash.digest('hex')
  const ok = size === manifest.size && sha256 === hex(manifest.sha256)
  report.file = { path: options.path, present: true, size, sha256, ok }
  if (ok) return
  const what = size !== manifest.size
    ? `is ${size} bytes, the manifest says ${manifest.size}`
    : `has sha256 ${sha256}, the manifest says ${hex(manifest.sha256)}`
  report.problems.push({
    check: 'file', code: CORRUPT,
    message: `file ${options.path} ${what}: it was changed on disk after it was verified; do not run it, fetch the artifact again (fleet-node artifact fetch MANIFEST.json)`
  })
}

function problemOf (check: VerifyProblem['check'], err: unknown): VerifyProblem {
  const e = err as Error & { code?: unknown }
  if (typeof e?.code !== 'string' || !e.code.startsWith('FLEET_ERR_')) throw err
  return { check, code: e.code, message: e.message }
}
