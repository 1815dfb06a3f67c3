import { join } from 'node:path'
import { Level } from 'level'
import { PINS_MAX, RETAIN_PER_APP_DEFAULT } from './constants.js'
import { PinLimitError, PinStoreError } from './errors.js'
import { comparePins, fromStored, pinKey, toStored, validatePin } from './pin.js'
import { retainedPins } from './retention.js'
import type { Pin, PinRef, StoredPin } from './pin.js'
import type { PinStore, PinStoreInit, RunningVersion } from './pin-store-types.js'

/** The folder of the storage dir that holds the pin database. */
export const PINS_DIR = 'pins'

/**
 * Pins in a level database at `<storageDir>/pins`, mirrored in memory (at most `PINS_MAX`), so
 * reads are cheap and every write is one atomic batch. Writes are serialised, so concurrent
 * `setRunning` calls cannot interleave their read-modify-write.
 */
export class LevelPinStore implements PinStore {
  private tail: Promise<unknown> = Promise.resolve()

  private constructor (
    private readonly db: Level<string, StoredPin>,
    private readonly pins: Map<string, Pin>,
    readonly retainPerApp: number
  ) {}

  static async open (storageDir: string, init: PinStoreInit = {}): Promise<LevelPinStore> {
    const retainPerApp = init.retainPerApp ?? RETAIN_PER_APP_DEFAULT
    if (!Number.isSafeInteger(retainPerApp) || retainPerApp < 0) throw new RangeError(`retainPerApp must be a count, got ${retainPerApp}`)
    const path = join(storageDir, PINS_DIR)
    const db = new Level<string, StoredPin>(path, { valueEncoding: 'json' })
    try {
      await db.open()
    } catch (err) {
      const cause = (err as { cause?: { code?: string, message?: string } }).cause
      const why = cause?.code === 'LEVEL_LOCKED' ? 'another FleetD process uses it; stop it or pass another --storage-dir' : `${cause?.message ?? (err as Error).message}; check the storage dir's permissions`
      throw new PinStoreError(`cannot open the pin database ${path}: ${why}`, { cause: err })
    }
    const pins = new Map<string, Pin>()
    try {
      // One more than the cap: silently ignoring extra pins would let GC delete pinned DAGs.
      for await (const [key, value] of db.iterator({ limit: PINS_MAX + 1 })) {
        if (pins.size >= PINS_MAX) throw new PinStoreError(`the pin database ${path} holds over ${PINS_MAX} pins; unpin manual or plan pins`)
        const pin = fromStored(value)
        if (pin == null || pinKey(pin) !== key) {
          throw new PinStoreError(`the pin database ${path} holds an unreadable record ${JSON.stringify(key)}; unpin or re-pin that app version (GC refuses to run until then)`)
        }
        pins.set(key, pin)
      }
    } catch (err) {
      await db.close()
      throw err
    }
    return new LevelPinStore(db, pins, retainPerApp)
  }

  /** Adds or replaces the pin with this app, version and reason. */
  async pin (pin: Pin): Promise<void> {
    validatePin(pin)
    await this.serially(async () => {
      const key = pinKey(pin)
      if (!this.pins.has(key) && this.pins.size >= PINS_MAX) throw new PinLimitError(PINS_MAX)
      await this.db.put(key, toStored(pin))
      this.pins.set(key, pin)
    })
  }

  /** @returns whether such a pin existed */
  async unpin (ref: PinRef): Promise<boolean> {
    return await this.serially(async () => {
      const key = pinKey(ref)
      if (!this.pins.has(key)) return false
      await this.db.del(key)
      this.pins.delete(key)
      return true
    })
  }

  /**
   * Records a switch: `version` becomes the app's `running` pin, the version it replaces
   * becomes `previous` (at `atMs`), a `plan` or `previous` pin of `version` is dropped (it is
   * fulfilled), and `previous` pins beyond the policy are pruned, in one atomic batch.
   */
  async setRunning (running: RunningVersion): Promise<void> {
    validatePin({ ...running, reason: 'running' })
    await this.serially(async () => {
      const next = new Map(this.pins)
      for (const [key, pin] of next) {
        if (pin.app !== running.app) continue
        const fulfilled = pin.version === running.version && (pin.reason === 'plan' || pin.reason === 'previous')
        if (fulfilled || pin.reason === 'running') next.delete(key)
        if (pin.reason === 'running' && pin.version !== running.version) {
          const replaced: Pin = { ...pin, reason: 'previous', atMs: running.atMs }
          next.set(pinKey(replaced), replaced)
        }
      }
      const pin: Pin = { ...running, reason: 'running' }
      next.set(pinKey(pin), pin)
      const kept = new Set(retainedPins([...next.values()], this.retainPerApp).map(pinKey))
      for (const [key, p] of next) if (p.app === running.app && p.reason === 'previous' && !kept.has(key)) next.delete(key)
      if (next.size > PINS_MAX) throw new PinLimitError(PINS_MAX)
      const dels = [...this.pins.keys()].filter(key => !next.has(key)).map(key => ({ type: 'del' as const, key }))
      const puts = [...next].filter(([key, p]) => this.pins.get(key) !== p).map(([key, p]) => ({ type: 'put' as const, key, value: toStored(p) }))
      await this.db.batch([...dels, ...puts])
      this.pins.clear()
      for (const [key, p] of next) this.pins.set(key, p)
    })
  }

  /** Every pin, by app, version, reason. */
  list (): Pin[] {
    return [...this.pins.values()].sort(comparePins)
  }

  /** The pins whose DAGs GC keeps under this store's `retainPerApp` (see `retainedPins`). */
  retained (): Pin[] {
    return retainedPins([...this.pins.values()], this.retainPerApp)
  }

  async close (): Promise<void> {
    await this.serially(async () => { await this.db.close() })
  }

  private async serially<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn)
    this.tail = run.catch(() => {})
    return await run
  }
}
