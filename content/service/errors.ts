/** Errors of the artifact service; callers match on `name`/`code`, never on `message`. */

/** The node holds no manifest for the named artifact (or CID). Answered 404 by the local API. */
export class ArtifactNotFoundError extends Error {
  static readonly code = 'FLEET_ERR_ARTIFACT_NOT_FOUND'
  readonly code = ArtifactNotFoundError.code
  /** HTTP status when this crosses the node's local API. */
  readonly status = 404
  constructor (message: string) {
    super(message)
    this.name = 'ArtifactNotFoundError'
  }
}
