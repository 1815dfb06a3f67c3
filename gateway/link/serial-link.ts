/**
 * A ByteLink over a real UART (or a pty) through `serialport`. 8N1 or 8E1; DTR/RTS where the
 * device has modem lines (a pty has none: setSignals then resolves without effect, as the
 * ByteLink contract says). Changing parity needs a reopen; changing only the baud does not.
 */
import { SerialPort } from 'serialport'
import type { AbortOptions } from '../../node/ports/index.js'
import { SerialLinkError } from './errors.js'
import type { ByteLink, LinkSettings, SerialMode, Unsubscribe } from './index.js'

export interface SerialLinkOptions extends Partial<LinkSettings> {
  path: string
}

/** Rates a UART is asked for in practice; others are refused so a typo does not look like line noise. */
export const SUPPORTED_BAUD_RATES = [9600, 19200, 38400, 57600, 74880, 115200, 230400, 460800, 921600, 1500000, 2000000] as const

export function checkSettings (settings: LinkSettings): void {
  if (!(SUPPORTED_BAUD_RATES as readonly number[]).includes(settings.baudRate)) {
    throw new SerialLinkError(`unsupported baud rate ${settings.baudRate}; use one of ${SUPPORTED_BAUD_RATES.join(', ')}`)
  }
  if (settings.mode !== '8n1' && settings.mode !== '8e1') {
    throw new SerialLinkError(`unsupported serial mode '${String(settings.mode)}'; use 8n1 or 8e1`)
  }
}

const parityOf = (mode: SerialMode): 'none' | 'even' => mode === '8e1' ? 'even' : 'none'

/** Opens the port; rejects with SerialLinkError naming the path when it cannot. */
export async function openSerialLink (options: SerialLinkOptions, abort: AbortOptions = {}): Promise<ByteLink> {
  const settings: LinkSettings = { baudRate: options.baudRate ?? 115200, mode: options.mode ?? '8n1' }
  checkSettings(settings)
  abort.signal?.throwIfAborted()
  const link = new SerialLink(options.path, settings)
  await link.open()
  return link
}

class SerialLink implements ByteLink {
  private port!: SerialPort
  private closing = false
  private closed = false
  private modemLines = true
  private readonly dataListeners = new Set<(chunk: Uint8Array) => void>()
  private readonly closeListeners = new Set<(error?: Error) => void>()
  /** Writes waiting for their drain: a port closed under them may never call back, so close rejects them. */
  private readonly pendingWrites = new Set<(error: Error) => void>()

  constructor (private readonly path: string, private settings: LinkSettings) {}

  get description (): string { return `${this.path} @ ${this.settings.baudRate} ${this.settings.mode}` }

  async open (): Promise<void> {
    const port = new SerialPort({ path: this.path, baudRate: this.settings.baudRate, dataBits: 8, stopBits: 1, parity: parityOf(this.settings.mode), autoOpen: false })
    await new Promise<void>((resolve, reject) => {
      port.open((error) => {
        if (error === null || error === undefined) resolve()
        else reject(new SerialLinkError(`cannot open ${this.path}: ${error.message.replace(/^Error: /, '').replace(/, cannot open .*$/, '')}; check the path, that no other program holds the port, and your permissions (dialout group)`, { cause: error }))
      })
    })
    port.on('data', (chunk: Buffer) => {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)
      for (const listener of this.dataListeners) listener(bytes)
    })
    port.on('close', (error?: Error & { disconnected?: boolean }) => {
      if (this.closing) return
      this.finish(error ?? new SerialLinkError(`${this.path} closed under us (device unplugged?)`))
    })
    port.on('error', () => { /* reported through 'close' */ })
    this.port = port
  }

  async write (bytes: Uint8Array, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    if (this.closed) throw new SerialLinkError(`link ${this.description} is closed`)
    const port = this.port
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error): void => { this.pendingWrites.delete(fail); reject(error) }
      this.pendingWrites.add(fail)
      const done = (): void => { this.pendingWrites.delete(fail); resolve() }
      port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), (error) => {
        if (error !== null && error !== undefined) { fail(new SerialLinkError(`write to ${this.path} failed: ${error.message}`, { cause: error })); return }
        port.drain((drainError) => {
          if (drainError !== null && drainError !== undefined) fail(new SerialLinkError(`drain on ${this.path} failed: ${drainError.message}`, { cause: drainError }))
          else done()
        })
      })
    })
  }

  onData (listener: (chunk: Uint8Array) => void): Unsubscribe {
    this.dataListeners.add(listener)
    return () => { this.dataListeners.delete(listener) }
  }

  onClose (listener: (error?: Error) => void): Unsubscribe {
    this.closeListeners.add(listener)
    return () => { this.closeListeners.delete(listener) }
  }

  async setSignals (signals: { dtr?: boolean, rts?: boolean }): Promise<void> {
    if (!this.modemLines || this.closed) return
    await new Promise<void>((resolve) => {
      this.port.set(signals, (error) => {
        // A pty answers TIOCMSET with ENOTTY/EINVAL: it has no modem lines. Remember and go on.
        if (error !== null && error !== undefined) this.modemLines = false
        resolve()
      })
    })
  }

  async update (settings: Partial<LinkSettings>): Promise<void> {
    const next = { ...this.settings, ...settings }
    checkSettings(next)
    if (next.mode !== this.settings.mode) {
      // serialport can only change the baud of an open port: parity needs a reopen.
      await this.closePort()
      this.settings = next
      this.closing = false
      await this.open()
      return
    }
    await new Promise<void>((resolve, reject) => {
      this.port.update({ baudRate: next.baudRate }, (error) => {
        if (error !== null && error !== undefined) reject(new SerialLinkError(`cannot set ${this.path} to ${next.baudRate} baud: ${error.message}`, { cause: error }))
        else resolve()
      })
    })
    this.settings = next
  }

  private async closePort (): Promise<void> {
    this.closing = true
    if (!this.port.isOpen) return
    await new Promise<void>((resolve) => { this.port.close(() => { resolve() }) })
  }

  async close (): Promise<void> {
    if (this.closed) return
    await this.closePort()
    this.finish()
  }

  private finish (error?: Error): void {
    if (this.closed) return
    this.closed = true
    for (const fail of [...this.pendingWrites]) fail(new SerialLinkError(`link ${this.description} closed during a write`))
    for (const listener of this.closeListeners) listener(error)
  }
}
