/** Provisioning errors: each names the target or image and says what to do. */

/** The target is the disk this machine runs from: never written, there is no override. */
export class SystemDiskError extends Error {
  static readonly code = 'FLEET_ERR_PROVISION_SYSTEM_DISK'
  readonly code = SystemDiskError.code
  constructor (message: string) { super(message); this.name = 'SystemDiskError' }
}

/** The target has mounted filesystems; `--force` writes anyway. */
export class TargetMountedError extends Error {
  static readonly code = 'FLEET_ERR_PROVISION_MOUNTED'
  readonly code = TargetMountedError.code
  constructor (message: string) { super(message); this.name = 'TargetMountedError' }
}

/** The target cannot be written: unknown device, read-only, too small, not a file or a drive. */
export class TargetError extends Error {
  static readonly code = 'FLEET_ERR_PROVISION_TARGET'
  readonly code = TargetError.code
  constructor (message: string, options?: ErrorOptions) { super(message, options); this.name = 'TargetError' }
}

/** The OS image does not match its published or given SHA-256. */
export class ImageChecksumError extends Error {
  static readonly code = 'FLEET_ERR_IMAGE_CHECKSUM'
  readonly code = ImageChecksumError.code
  constructor (message: string) { super(message); this.name = 'ImageChecksumError' }
}

/** The OS image cannot be found, downloaded or decompressed. */
export class ImageSourceError extends Error {
  static readonly code = 'FLEET_ERR_IMAGE_SOURCE'
  readonly code = ImageSourceError.code
  constructor (message: string, options?: ErrorOptions) { super(message, options); this.name = 'ImageSourceError' }
}

/** What was read back from a target differs from what was written. */
export class VerifyError extends Error {
  static readonly code = 'FLEET_ERR_PROVISION_VERIFY'
  readonly code = VerifyError.code
  constructor (message: string) { super(message); this.name = 'VerifyError' }
}

/** The boot partition lacks what the chosen OS needs (no FAT partition, no dietpi.txt...). */
export class BootPartitionError extends Error {
  static readonly code = 'FLEET_ERR_PROVISION_BOOT'
  readonly code = BootPartitionError.code
  constructor (message: string, options?: ErrorOptions) { super(message, options); this.name = 'BootPartitionError' }
}

/** A provisioning option is invalid (Wi-Fi password length, hostname, plugin option...). */
export class ProvisionOptionError extends Error {
  static readonly code = 'FLEET_ERR_PROVISION_OPTION'
  readonly code = ProvisionOptionError.code
  constructor (message: string) { super(message); this.name = 'ProvisionOptionError' }
}
