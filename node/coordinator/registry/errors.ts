/**
 * Registry errors. They do not cross the API themselves: the server answers them with its own
 * coded errors (404, 409), so they carry a name to match on and no code.
 */
export class DeviceNotFoundError extends Error {
  constructor (readonly deviceId: string) {
    super(`no device ${deviceId} is registered; see fleets devices list`)
    this.name = 'DeviceNotFoundError'
  }
}

export class DeviceExistsError extends Error {
  constructor (readonly deviceId: string) {
    super(`device ${deviceId} is already registered; change it with fleets devices label`)
    this.name = 'DeviceExistsError'
  }
}
