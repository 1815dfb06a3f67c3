/** Coordinator store errors: the database could not be opened, or holds a record that is not valid. */
export class StoreOpenError extends Error {
  static readonly code = 'FLEET_ERR_STORE_OPEN'
  readonly code = StoreOpenError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'StoreOpenError'
  }
}

/**
 * A record failed its schema: on write a bug in the caller, on read a damaged or hand-edited
 * database. The message names the table, the key and the field.
 */
export class StoreRecordError extends Error {
  static readonly code = 'FLEET_ERR_STORE_RECORD'
  readonly code = StoreRecordError.code
  constructor (message: string, readonly table: string, readonly key: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'StoreRecordError'
  }
}
