/** Typed errors of the systemd runtime (STYLE rule 6); a device without systemd gets RuntimeUnavailableError. */

/** A unit cannot be written as asked; `field` names the part of the spec (`execStart[0]`, `env.PORT`). */
export class SystemdUnitError extends Error {
  static readonly code = 'FLEET_ERR_SYSTEMD_UNIT'
  readonly code = SystemdUnitError.code
  constructor (message: string, readonly field: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SystemdUnitError'
  }
}

/** systemctl ran and failed; the message quotes its output, `exitCode` is null when it was killed. */
export class SystemctlError extends Error {
  static readonly code = 'FLEET_ERR_SYSTEMCTL'
  readonly code = SystemctlError.code
  constructor (message: string, readonly exitCode: number | null, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SystemctlError'
  }
}
