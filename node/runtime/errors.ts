/**
 * Errors shared by every part of the agent's runtime (install, systemd, docker, process).
 * Callers match on `name`/`code`/`runtime`, never on `message`.
 */

/** What a device may lack: a package tool, an init system, a container engine, an archiver. */
export type RuntimeName = 'dpkg' | 'rpm' | 'apk' | 'tar' | 'systemd' | 'docker'

/**
 * The device cannot run this kind of artifact or runtime: the tool, daemon or init system is
 * missing. The agent reports the app as failed with this message instead of pretending it runs.
 */
export class RuntimeUnavailableError extends Error {
  static readonly code = 'FLEET_ERR_RUNTIME_UNAVAILABLE'
  readonly code = RuntimeUnavailableError.code
  constructor (message: string, readonly runtime: RuntimeName, options?: ErrorOptions) {
    super(message, options)
    this.name = 'RuntimeUnavailableError'
  }
}
