/** ESP32 ROM bootloader path errors (STYLE rule 6). */

/** The ESP ROM bootloader did not answer, or refused or failed a flash operation (esptool-js's message included). */
export class EspRomError extends Error {
  static readonly code = 'FLEET_ERR_ESP_ROM'
  readonly code = EspRomError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'EspRomError'
  }
}
