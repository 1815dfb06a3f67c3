/** What the artifact service answers, in JSON-ready form: the contract with its local API and CLIs. */
import type { ManifestJson } from '../manifest/index.js'
import type { DiskUsage, Pin, PinReason } from '../store/index.js'
import type { FetchProgress } from '../swarm/index.js'

export interface PinJson { app: string, version: string, cid: string, reason: PinReason, atMs: number }

export function pinToJson (pin: Pin): PinJson {
  return { app: pin.app, version: pin.version, cid: pin.cid.toString(), reason: pin.reason, atMs: pin.atMs }
}

/** Block store usage plus the materialised artifact files (a full copy each). */
export interface StoreUsage extends DiskUsage {
  files: number
  fileBytes: number
}

export interface ArtifactEntry {
  manifest: ManifestJson
  /** Where the file is (or would be) materialised. */
  path: string
  /** Size of the materialised file; absent when the node holds only blocks (e.g. the uploader). */
  fileBytes?: number
  /** The reasons it is pinned for. */
  pins: PinReason[]
  /** Whether GC keeps it under the current policy (a `previous` pin beyond the newest N does not). */
  retained: boolean
}

export interface ArtifactListing {
  artifacts: ArtifactEntry[]
  /** Every pin, including those of versions without a manifest here. */
  pins: PinJson[]
  retainPerApp: number
  /** The block store (kept as `disk` for older scripts). */
  disk: DiskUsage
  files: { count: number, bytes: number }
  /** Bytes this node served to peers, by root CID, since it started. */
  uploads: Record<string, number>
}

export interface ArtifactDetails extends ArtifactEntry {
  ref: string
  /** Pins on this version, with when they were made. */
  pinned: PinJson[]
  /** Blocks of its DAG known so far and how many the store lacks. */
  blocks: { total: number, missing: number }
  /** Every block is on disk (the file can be materialised or served whole). */
  complete: boolean
  /** The signatures checked against this node's trusted keys. */
  signature: { ok: boolean, keyIds: string[], unknownKeyIds: string[], message?: string }
  /** Other versions with the same root CID. */
  sameCid: string[]
}

export type FetchEvent =
  | { type: 'verified', manifest: string, keyIds: string[] }
  | ({ type: 'progress' } & FetchProgress)
  | { type: 'done', path: string, size: number, sha256: string, blocksFetched: number, bytesFromPeers: number, blocksFromBitswap: number }

export interface GcReport {
  dryRun: boolean
  retainPerApp: number
  deletedBlocks: number
  freedBytes: number
  /**
   * The first GC_LISTED_CIDS_MAX collected blocks, as the block store names them: CIDv0 strings
   * of their multihashes (files are named by multihash; the codec is not kept).
   */
  deletedCids: string[]
  deletedCidsTruncated: boolean
  /** Versions no pin keeps any more: manifest and materialised file removed. */
  removedArtifacts: Array<{ ref: string, cid: string, fileBytes: number }>
  /** `previous` pins beyond the policy, dropped with their versions. */
  unpinned: PinJson[]
  /** Pins whose DAGs were kept, plus imports not yet registered. */
  retained: PinJson[]
  before: StoreUsage
  /** After the collection; with `dryRun`, what it would be. */
  after: StoreUsage
}

/** One thing wrong with a held artifact: which check, the error code, and what to do. */
export interface VerifyProblem {
  check: 'signature' | 'blocks' | 'file' | 'content'
  code: string
  message: string
}

export interface StoredVerification {
  ok: boolean
  ref: string
  cid: string
  signature: { ok: boolean, keyIds: string[], unknownKeyIds: string[] }
  blocks: { total: number, verified: number, missing: number, corrupt: number, missingCids: string[], corruptCids: string[] }
  /** The materialised file re-hashed; `present: false` on a node that holds only blocks. */
  file: { path: string, present: boolean, size?: number, sha256?: string, ok?: boolean }
  /** The file the blocks hold, hashed from the store; unchecked while blocks are missing or corrupt. */
  content: { checked: boolean, size?: number, sha256?: string, ok?: boolean }
  problems: VerifyProblem[]
}

export type VerifyEvent =
  | { type: 'progress', blocksChecked: number, blocks: number }
  | ({ type: 'done' } & StoredVerification)
