/**
 * Paces a ByteLink at a UART's line rate (10 bit times per byte at 8N1, 11 at 8E1): a write
 * resolves, and its bytes reach the other end, only once they would have left a real UART. A pty
 * moves bytes as fast as memory, so benchmarks and timeouts measured over one would say nothing
 * about a real line without this.
 */
import type { AbortOptions, Clock } from '../../node/ports/index.js'
import type { ByteLink, LinkSettings, Unsubscribe } from './index.js'

export interface PacedLinkOptions { baudRate: number, mode?: LinkSettings['mode'], clock: Clock }

export function pacedLink (inner: ByteLink, options: PacedLinkOptions): ByteLink {
  let baudRate = options.baudRate
  let bitsPerByte = options.mode === '8e1' ? 11 : 10
  let lineFreeAtMs = 0
  let chain: Promise<void> = Promise.resolve()
  return {
    get description () { return `${inner.description} (paced at ${baudRate} baud)` },
    async write (bytes: Uint8Array, abort: AbortOptions = {}): Promise<void> {
      const copy = bytes.slice()
      const turn = chain.then(async () => {
        const start = Math.max(options.clock.nowMs(), lineFreeAtMs)
        lineFreeAtMs = start + (copy.length * bitsPerByte * 1000) / baudRate
        const waitMs = lineFreeAtMs - options.clock.nowMs()
        if (waitMs >= 1) await options.clock.sleep(waitMs, abort)
        await inner.write(copy, abort)
      })
      chain = turn.catch(() => {})
      await turn
    },
    onData: (listener: (chunk: Uint8Array) => void): Unsubscribe => inner.onData(listener),
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
