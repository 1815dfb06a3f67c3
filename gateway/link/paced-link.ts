/**
 * Paces a ByteLink at a UART's line rate (10 bit times per byte at 8N1, 11 at 8E1): a write
 * resolves, and its bytes reach the other end, only once they would have left a real UART. A pty
 * moves bytes as fast as memory, so benchmarks and timeouts measured over one would say nothing
 * about a real line without this.
 */
import type { AbortOptions, Clock } from '../../node/ports/index.js'
import type { ByteLink, LinkSettings, Unsubscribe } from './index.js'

export interface PacedLinkOptions {
  baudRate: number
  mode?: LinkSettings['mode']
  clock: Clock
  /**
   * One-way latency added to each direction: a USB-serial adapter batches bytes (a CP210x
   * turns around in about 1 ms, an FTDI with its default latency timer in up to 16 ms). @default 0
   */
  latencyMs?: number
}

export function pacedLink (inner: ByteLink, options: PacedLinkOptions): ByteLink {
  let baudRate = options.baudRate
  let bitsPerByte = options.mode === '8e1' ? 11 : 10
  let lineFreeAtMs = 0
  let chain: Promise<void> = Promise.resolve()
  const latencyMs = options.latencyMs ?? 0
  const delayed = (listener: (chunk: Uint8Array) => void) => (chunk: Uint8Array): void => {
    if (latencyMs === 0) { listener(chunk); return }
    const copy = chunk.slice()
    void options.clock.sleep(latencyMs).then(() => { listener(copy) })
  }
  return {
    get description () { return `${inner.description} (paced at ${baudRate} baud)` },
    async write (bytes: Uint8Array, abort: AbortOptions = {}): Promise<void> {
      const copy = bytes.slice()
      // The line starts on these bytes when they are queued or when it is free, whichever is
      // later: a timer that fires late must not stretch the line time of the bytes after it.
      const queuedAtMs = options.clock.nowMs()
      const turn = chain.then(async () => {
        const start = Math.max(queuedAtMs, lineFreeAtMs)
        lineFreeAtMs = start + (copy.length * bitsPerByte * 1000) / baudRate
        const waitMs = lineFreeAtMs + latencyMs - options.clock.nowMs()
        if (waitMs >= 1) await options.clock.sleep(waitMs, abort)
        await inner.write(copy, abort)
      })
      chain = turn.catch(() => {})
      await turn
    },
    onData: (listener: (chunk: Uint8Array) => void): Unsubscribe => inner.onData(delayed(listener)),
    onClose: (listener: (error?: Error) => void): Unsubscribe => inner.onClose(listener),
    setSignals: async (signals) => { await inner.setSignals(signals) },
    async update (settings: Partial<LinkSettings>): Promise<void> {
      await inner.update(settings)
      if (settings.baudRate !== undefined) baudRate = settings.baudRate
      if (settings.mode !== undefined) bitsPerByte = settings.mode === '8e1' ? 11 : 10
    },
    close: async () => { await inner.close() }
  }
}
