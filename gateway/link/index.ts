/**
 * The byte link between a gateway and a device on its serial port: the one interface every MCU
 * driver (bridge protocol, ESP32 ROM, STM32 AN3155, LoRa modem) talks through, so tests and the
 * simulator can swap a pty, an in-memory pair or a simulated lossy/rate-limited link for the real
 * UART without the driver noticing.
 *
 * @example
 * ```ts
 * import { memoryLinkPair } from './index.js'
 * const [gatewaySide, deviceSide] = memoryLinkPair()
 * deviceSide.onData((bytes) => { console.log('device got', bytes) })
 * await gatewaySide.write(Uint8Array.of(0x7f))
 * ```
 */
import type { AbortOptions } from '../../node/ports/index.js'

export type Unsubscribe = () => void

/** Parity settings the gateway supports: 8 data bits, 1 stop bit; no parity or even parity. */
export type SerialMode = '8n1' | '8e1'

export interface LinkSettings {
  /** Bits per second on the line; a simulated link uses it to pace bytes. */
  baudRate: number
  mode: SerialMode
}

export interface ByteLink {
  /** Where the link goes, for messages: `/dev/ttyUSB0 @ 115200 8n1`, `memory-a`. */
  readonly description: string
  /** Resolves once the bytes are handed to the line (drained), rejects if the link is closed. */
  write(bytes: Uint8Array, options?: AbortOptions): Promise<void>
  /** Chunks as they arrive; chunk boundaries carry no meaning (framing is the driver's job). */
  onData(listener: (chunk: Uint8Array) => void): Unsubscribe
  /** Called once when the link closes: `error` is set when it broke rather than was closed. */
  onClose(listener: (error?: Error) => void): Unsubscribe
  /**
   * Drives DTR/RTS (the reset and boot-mode lines of ESP32 dev boards). Links without modem
   * lines (ptys, memory pairs) resolve without doing anything; drivers take `--no-reset` then.
   */
  setSignals(signals: { dtr?: boolean, rts?: boolean }): Promise<void>
  /** Changes the line rate (ROM loaders switch baud after sync). */
  update(settings: Partial<LinkSettings>): Promise<void>
  /** Idempotent. */
  close(): Promise<void>
}

export { memoryLinkPair } from './memory-link.js'
export type { MemoryLinkOptions } from './memory-link.js'
export { openSerialLink, checkSettings, SUPPORTED_BAUD_RATES } from './serial-link.js'
export type { SerialLinkOptions } from './serial-link.js'
export { pacedLink } from './paced-link.js'
export type { PacedLinkOptions } from './paced-link.js'
export { SerialLinkError } from './errors.js'
