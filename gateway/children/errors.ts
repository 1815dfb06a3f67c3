/** Errors of the gateway's child devices (STYLE rule 6). */

/** Another process (a gateway fleet-node, a `fleet-node mcu` run) holds the serial port. */
export class PortLockedError extends Error {
  static readonly code = 'FLEET_ERR_PORT_LOCKED'
  readonly code = PortLockedError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'PortLockedError'
  }
}

/** A gateway port is misconfigured or its device is not what the configuration says. */
export class GatewayPortError extends Error {
  static readonly code = 'FLEET_ERR_GATEWAY_PORT'
  readonly code = GatewayPortError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'GatewayPortError'
  }
}

/** A firmware artifact cannot go to this child (wrong image format, version mismatch, chip). */
export class ChildFirmwareError extends Error {
  static readonly code = 'FLEET_ERR_CHILD_FIRMWARE'
  readonly code = ChildFirmwareError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ChildFirmwareError'
  }
}
