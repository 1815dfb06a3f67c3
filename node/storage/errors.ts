/** Errors of the node's storage directory; each says which directory and what to do. */
export class StorageDirError extends Error {
  static readonly code = 'FLEET_ERR_STORAGE_DIR'
  readonly code = StorageDirError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'StorageDirError'
  }
}

export class StorageLockedError extends Error {
  static readonly code = 'FLEET_ERR_STORAGE_LOCKED'
  readonly code = StorageLockedError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'StorageLockedError'
  }
}
