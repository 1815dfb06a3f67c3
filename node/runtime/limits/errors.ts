/**
 * Resource-limit errors (STYLE rule 6). Callers match on `name`/`code`, never on `message`.
 * A bad quantity is the operator's to fix; a group that cannot be set up is the device's.
 */

/** A limit value is not a valid quantity (`2Gi`, `1500m`) or is out of range. */
export class LimitValueError extends Error {
  static readonly code = 'FLEET_ERR_LIMIT_INVALID'
  readonly code = LimitValueError.code
  /** The value as given, for the report. */
  readonly value: unknown

  constructor (message: string, value: unknown, options?: ErrorOptions) {
    super(message, options)
    this.name = 'LimitValueError'
    this.value = value
  }
}

/**
 * A limit group could not be used: a bad name, a process that could not be added (it exited,
 * or the kernel refused), or a removed group.
 */
export class LimitGroupError extends Error {
  static readonly code = 'FLEET_ERR_LIMIT_GROUP'
  readonly code = LimitGroupError.code
  /** The group's name. */
  readonly group: string

  constructor (message: string, group: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'LimitGroupError'
    this.group = group
  }
}
