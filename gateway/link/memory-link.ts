/**
 * Two ByteLinks joined back to back in memory, for unit tests and the simulator: what one side
 * writes the other receives, on a later macrotask (as a UART would deliver it), never in the
 * writer's call stack.
 */
import type { AbortOptions } from '../../node/ports/index.js'
import type { ByteLink, LinkSettings, Unsubscribe } from './index.js'

export interface MemoryLinkOptions {
  /** Names used in `description`; default `memory-a` / `memory-b`. */
  names?: [string, string]
  /** Largest chunk delivered at once: splits writes the way a UART FIFO would. Default 64. */
  maxChunkBytes?: number
}

const DEFAULT_MAX_CHUNK_BYTES = 64

export function memoryLinkPair (options: MemoryLinkOptions = {}): [ByteLink, ByteLink] {
  const [nameA, nameB] = options.names ?? ['memory-a', 'memory-b']
  const maxChunk = options.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES
  const a = new MemoryEnd(nameA, maxChunk)
  const b = new MemoryEnd(nameB, maxChunk)
  a.peer = b
  b.peer = a
  return [a, b]
}

class MemoryEnd implements ByteLink {
  peer?: MemoryEnd
  private closed = false
  private readonly dataListeners = new Set<(chunk: Uint8Array) => void>()
  private readonly closeListeners = new Set<(error?: Error) => void>()
  private settings: LinkSettings = { baudRate: 115200, mode: '8n1' }

  constructor (readonly description: string, private readonly maxChunk: number) {}

  async write (bytes: Uint8Array, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    if (this.closed) throw new Error(`link ${this.description} is closed`)
    const copy = bytes.slice()
    const peer = this.peer
    await new Promise<void>((resolve) => setImmediate(resolve))
    for (let offset = 0; offset < copy.length; offset += this.maxChunk) {
      peer?.deliver(copy.subarray(offset, offset + this.maxChunk))
    }
  }

  private deliver (chunk: Uint8Array): void {
    if (this.closed) return
    for (const listener of this.dataListeners) listener(chunk)
  }

  onData (listener: (chunk: Uint8Array) => void): Unsubscribe {
    this.dataListeners.add(listener)
    return () => { this.dataListeners.delete(listener) }
  }

  onClose (listener: (error?: Error) => void): Unsubscribe {
    this.closeListeners.add(listener)
    return () => { this.closeListeners.delete(listener) }
  }

  setSignals (): Promise<void> { return Promise.resolve() }

  update (settings: Partial<LinkSettings>): Promise<void> {
    this.settings = { ...this.settings, ...settings }
    return Promise.resolve()
  }

  /** The current settings, for tests that check a driver switched baud. */
  current (): LinkSettings { return { ...this.settings } }

  close (): Promise<void> {
    if (this.closed) return Promise.resolve()
    this.closed = true
    for (const listener of this.closeListeners) listener()
    // Closing one end of a wire breaks the other: its reader sees an error, as with a pulled cable.
    this.peer?.breakFromPeer()
    return Promise.resolve()
  }

  private breakFromPeer (): void {
    if (this.closed) return
    this.closed = true
    const error = new Error(`link ${this.description}: the other end closed`)
    for (const listener of this.closeListeners) listener(error)
  }
}
