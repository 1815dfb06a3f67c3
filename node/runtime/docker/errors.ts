/**
 * Docker Engine API errors (STYLE rule 6). A daemon that is absent or stops answering is a
 * `RuntimeUnavailableError` (../errors.ts); one that answers with an error is a `DockerApiError`.
 */

/** The daemon refused a request; `status` is its HTTP status (404: no such container or image). */
export class DockerApiError extends Error {
  static readonly code = 'FLEET_ERR_DOCKER_API'
  readonly code = DockerApiError.code
  constructor (message: string, readonly status: number, options?: ErrorOptions) {
    super(message, options)
    this.name = 'DockerApiError'
  }
}
