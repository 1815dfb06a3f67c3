/**
 * Errors of the artifact store. Callers match on `name` or `code`, never on `message`; each
 * message says what was wrong and what to do.
 */
import type { CID } from 'multiformats/cid'

/** What did not match when an artifact was checked. */
export type IntegrityMismatch =
  /** The materialised file has another length than the manifest's `size`. */
  | 'size'
  /** The materialised file hashes to another sha256 than the manifest's. */
  | 'sha256'
  /** A stored block's bytes do not hash to its CID, or it is over the block size limit. */
  | 'block'
  /** The root is not a UnixFS file (a directory, or another codec). */
  | 'type'
  /** The DAG is inconsistent (sizes in the nodes disagree with the data). */
  | 'structure'

export interface ArtifactIntegrityDetails {
  /** Root of the artifact being checked. */
  cid: CID
  mismatch: IntegrityMismatch
  expected?: string
  actual?: string
  /** The offending block, when `mismatch` is `'block'`. */
  blockCid?: CID
}

/** The artifact (or one of its blocks) is not what its manifest or its CID says; nothing was written. */
export class ArtifactIntegrityError extends Error {
  static readonly code = 'FLEET_ERR_ARTIFACT_CORRUPT'
  readonly code = ArtifactIntegrityError.code
  readonly cid: CID
  readonly mismatch: IntegrityMismatch
  readonly expected?: string
  readonly actual?: string
  readonly blockCid?: CID

  constructor (message: string, details: ArtifactIntegrityDetails, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ArtifactIntegrityError'
    this.cid = details.cid
    this.mismatch = details.mismatch
    this.expected = details.expected
    this.actual = details.actual
    this.blockCid = details.blockCid
  }
}

/** A block of the DAG is not in the local blockstore: fetch it (see `missingBlocks`) and retry. */
export class BlockMissingError extends Error {
  static readonly code = 'FLEET_ERR_BLOCK_MISSING'
  readonly code = BlockMissingError.code
  constructor (readonly cid: CID, options?: ErrorOptions) {
    super(`block ${cid.toString()} is not in the local store; fetch the artifact's missing blocks and retry`, options)
    this.name = 'BlockMissingError'
  }
}

/** The import source is neither an async iterable, a file, nor an http(s) or file URL. */
export class UnsupportedSourceError extends Error {
  static readonly code = 'FLEET_ERR_IMPORT_UNSUPPORTED_SOURCE'
  readonly code = UnsupportedSourceError.code
  constructor (message: string) {
    super(message)
    this.name = 'UnsupportedSourceError'
  }
}

/** The import source failed: an HTTP error status, too many redirects, a timeout, a refused connection, a missing file. */
export class ImportSourceError extends Error {
  static readonly code = 'FLEET_ERR_IMPORT_SOURCE'
  readonly code = ImportSourceError.code
  /** The HTTP status, when the server answered with an error. */
  readonly status?: number
  constructor (message: string, options?: ErrorOptions & { status?: number }) {
    super(message, options)
    this.name = 'ImportSourceError'
    this.status = options?.status
  }
}

/** An artifact or a DAG is over a configured size limit. */
export class ArtifactTooLargeError extends Error {
  static readonly code = 'FLEET_ERR_ARTIFACT_TOO_LARGE'
  readonly code = ArtifactTooLargeError.code
  constructor (message: string, readonly limit: number) {
    super(message)
    this.name = 'ArtifactTooLargeError'
  }
}

/** A CID uses a hash function this node cannot compute, so its block cannot be verified and is refused. */
export class UnsupportedHashError extends Error {
  static readonly code = 'FLEET_ERR_UNSUPPORTED_HASH'
  readonly code = UnsupportedHashError.code
  constructor (readonly cid: CID) {
    super(`cannot verify block ${cid.toString()}: multihash code 0x${cid.multihash.code.toString(16)} is not supported (sha2-256, sha2-512, identity are); re-import the artifact with FleetD`)
    this.name = 'UnsupportedHashError'
  }
}

/** A pin record is malformed: an empty or over-long app or version, an unknown reason, a bad time. */
export class InvalidPinError extends Error {
  static readonly code = 'FLEET_ERR_PIN_INVALID'
  readonly code = InvalidPinError.code
  constructor (message: string) {
    super(message)
    this.name = 'InvalidPinError'
  }
}

/** The pin store is full; unpin manual or plan pins that are no longer needed. */
export class PinLimitError extends Error {
  static readonly code = 'FLEET_ERR_PIN_LIMIT'
  readonly code = PinLimitError.code
  constructor (readonly limit: number) {
    super(`the pin store already holds ${limit} pins; unpin manual or plan pins that are no longer needed`)
    this.name = 'PinLimitError'
  }
}

/** The pin database cannot be opened (in use, permissions) or holds an unreadable record. */
export class PinStoreError extends Error {
  static readonly code = 'FLEET_ERR_PIN_STORE'
  readonly code = PinStoreError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'PinStoreError'
  }
}
