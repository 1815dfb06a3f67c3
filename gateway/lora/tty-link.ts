/**
 * A ByteLink over a tty device file (a pty from socat, or /dev/ttyUSB0 already set to 8N1 at
 * the right speed with stty): libuv's tty handle reads it without blocking a thread. It does
 * not set the baud rate or modem lines (ptys have neither); the gateway's full serial link
 * (issue 6/9) does, and replaces this one where it is available.
 */
import { openSync, constants as fsConstants } from 'node:fs'
import { ReadStream, WriteStream } from 'node:tty'
import type { AbortOptions } from '../../node/ports/index.js'
import type { ByteLink, LinkSettings, Unsubscribe } from '../link/index.js'
import { LoraModemError } from './errors.js'

export function ttyLink (path: string): ByteLink {
  let fd: number
  try {
    fd = openSync(path, fsConstants.O_RDWR | fsConstants.O_NOCTTY)
  } catch (error) {
    throw new LoraModemError(`cannot open ${path}: ${(error as Error).message}; check the path and that you may use the port`, { cause: error })
  }
  return new TtyLink(path, fd)
}

class TtyLink implements ByteLink {
  readonly description: string
  private readonly input: ReadStream
  private readonly output: WriteStream
  private closed = false
  private readonly closeListeners = new Set<(error?: Error) => void>()

  constructor (path: string, fd: number) {
    this.description = `${path} (tty)`
    this.input = new ReadStream(fd)
    this.input.setRawMode(true)
    this.output = new WriteStream(fd)
    this.input.on('error', (error) => { this.finish(error) })
    this.input.on('end', () => { this.finish(new Error('the tty hung up')) })
  }

  async write (bytes: Uint8Array, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    if (this.closed) throw new LoraModemError(`link ${this.description} is closed`)
    await new Promise<void>((resolve, reject) => { this.output.write(bytes, (error) => { if (error) reject(error); else resolve() }) })
  }

  onData (listener: (chunk: Uint8Array) => void): Unsubscribe {
    const l = (chunk: Buffer): void => { listener(new Uint8Array(chunk)) }
    this.input.on('data', l)
    return () => { this.input.off('data', l) }
  }

  onClose (listener: (error?: Error) => void): Unsubscribe {
    this.closeListeners.add(listener)
    return () => { this.closeListeners.delete(listener) }
  }

  setSignals (): Promise<void> { return Promise.resolve() }
  update (_settings: Partial<LinkSettings>): Promise<void> { return Promise.resolve() }

  async close (): Promise<void> {
    if (this.closed) return
    this.finish()
    // The read and write streams share one fd: destroying the read side closes it.
    await new Promise<void>((resolve) => { this.input.destroy(); this.input.once('close', () => { resolve() }) })
  }

  private finish (error?: Error): void {
    if (this.closed) return
    this.closed = true
    for (const l of this.closeListeners) l(error)
  }
}
