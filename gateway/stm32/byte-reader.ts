/**
 * Exact-length reads over a ByteLink for byte-oriented ROM protocols (AN3155 has no framing):
 * received bytes queue up to a bound; `read(n)` resolves with exactly n bytes or times out.
 */
import type { ByteLink, Unsubscribe } from '../link/index.js'
import type { Clock } from '../../node/ports/index.js'
import { Stm32BootloaderError } from './errors.js'

/** A ROM answer is at most 256 data bytes plus a few: anything beyond this is noise, dropped. */
const QUEUE_BYTES_MAX = 4096

export class ByteReader {
  private queue = new Uint8Array(0)
  private wake?: () => void
  private readonly off: Unsubscribe

  constructor (private readonly link: ByteLink, private readonly clock: Clock) {
    this.off = link.onData((chunk) => {
      const take = chunk.subarray(0, Math.max(0, QUEUE_BYTES_MAX - this.queue.length))
      const merged = new Uint8Array(this.queue.length + take.length)
      merged.set(this.queue)
      merged.set(take, this.queue.length)
      this.queue = merged
      const w = this.wake
      this.wake = undefined
      w?.()
    })
  }

  /** Drops whatever is queued (stale bytes before a new command). */
  flush (): void { this.queue = new Uint8Array(0) }

  async read (n: number, timeoutMs: number, what: string): Promise<Uint8Array> {
    const deadline = this.clock.nowMs() + timeoutMs
    while (this.queue.length < n) {
      const left = deadline - this.clock.nowMs()
      if (left <= 0) throw new Stm32BootloaderError(`no answer to ${what} from ${this.link.description} within ${timeoutMs} ms (got ${this.queue.length} of ${n} bytes); is BOOT0 high and the MCU reset into its bootloader?`)
      const controller = new AbortController()
      await Promise.race([
        new Promise<void>((resolve) => { this.wake = resolve }),
        this.clock.sleep(left, { signal: controller.signal }).catch(() => {})
      ])
      controller.abort()
    }
    const out = this.queue.slice(0, n)
    this.queue = this.queue.slice(n)
    return out
  }

  close (): void { this.off() }
}
