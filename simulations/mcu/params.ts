/**
 * MCU children behind gateways: the links a gateway drives (a UART at 115200 baud, a LoRa
 * radio under a duty-cycle limit) and how long an MCU takes to flash, reboot and report.
 * Values are the common ones for ESP32/STM32 boards and EU868 LoRa; every one can be changed
 * per scenario.
 */

export interface SerialParams {
  baudRate: number
  /** 8N1: a start bit, 8 data bits, a stop bit. */
  bitsPerByte: number
  /** Image bytes per bridge-protocol frame, and its header/CRC. */
  frameBytes: number
  frameOverheadBytes: number
  /** The MCU acknowledges each frame (flow control and resume point). */
  ackBytes: number
  /** MCU processing between a frame and its ack (flash write of one frame happens here), ms. */
  turnaroundMs: number
  /** Probability that a frame fails its CRC and is sent again. */
  frameErrorRate: number
}

export interface LoraParams {
  /** EU868 SF7/125 kHz: 5,470 bit/s. */
  bitrateBps: number
  /** Image bytes per fragment (LoRaWAN fragmented data block transport) and the header. */
  fragmentBytes: number
  fragmentOverheadBytes: number
  /** Probability that a fragment is lost (interference, range). */
  fragmentLoss: number
  /** After a pass, the device reports which fragments it lacks: a round trip in its receive windows, ms. */
  statusRoundTripMs: number
  /** Passes over the missing fragments before the transfer fails. */
  passesMax: number
}

export interface McuParams {
  serial: SerialParams
  lora: LoraParams
  /** Fraction of mesh devices that are gateways. */
  gatewayFraction: number
  /** Children per gateway, uniform in [lo, hi]. */
  childrenPerGateway: [number, number]
  /** Fraction of children on LoRa (the rest on serial); at most `loraPerGatewayMax` per gateway. */
  loraFraction: number
  loraPerGatewayMax: number
  /** Duty cycles of EU868 sub-bands: 1% (868.0–868.6 MHz) and 10% (869.4–869.65 MHz); each gateway's radio uses one. */
  dutyCycles: number[]
  /** Flash write speed of the MCU, bytes/s (the image lands in the inactive OTA slot). */
  flashBytesPerS: number
  /** Reboot into the new image, median ms. */
  rebootMsMedian: number
  /** First health report after the reboot, median ms: at once on serial, the next uplink on LoRa. */
  serialHealthyMsMedian: number
  loraHealthyMsMedian: number
  /** Image validation on the gateway (sha256 and signature of the manifest), median ms. */
  validateMsMedian: number
  /** The transfer is checked (and resumed from) at this many points: a gateway that goes offline stops it there. */
  segments: number
}

export const DEFAULT_MCU: McuParams = {
  serial: { baudRate: 115_200, bitsPerByte: 10, frameBytes: 256, frameOverheadBytes: 8, ackBytes: 8, turnaroundMs: 2, frameErrorRate: 1e-3 },
  lora: { bitrateBps: 5_470, fragmentBytes: 200, fragmentOverheadBytes: 13, fragmentLoss: 0.05, statusRoundTripMs: 3_000, passesMax: 20 },
  gatewayFraction: 0.1,
  childrenPerGateway: [1, 6],
  loraFraction: 0.3,
  loraPerGatewayMax: 2,
  dutyCycles: [0.01, 0.1],
  flashBytesPerS: 100_000,
  rebootMsMedian: 1_500,
  serialHealthyMsMedian: 2_000,
  loraHealthyMsMedian: 10_000,
  validateMsMedian: 60,
  segments: 10
}
