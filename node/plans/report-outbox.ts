import { Level } from 'level'
import { join } from 'node:path'
import { encodeDeviceReport, WIRE_VERSION } from '../../proto/index.js'
import { REPORT_ERROR_MESSAGE_CHARS_MAX, REPORT_OUTBOX_BYTES_MAX, REPORT_OUTBOX_ENTRIES_MAX } from './constants.js'
import { ReportOutboxError } from './errors.js'
import type { Clock } from '../ports/index.js'
import type { DeviceReport, Health } from '../../proto/index.js'

/** A report as its author writes it; the outbox adds version, device id, time and seq. */
export interface ReportDraft {
  deploymentId: string
  planSeq: number
  /** Reconciliation step reached, e.g. "verify", "target", "switch", "await-healthy". */
  step: string
  health: Health
  appVersion?: string
  /** A stable FLEET_ERR_* code when something failed. */
  errorCode?: string
  errorMessage?: string
  metrics?: Record<string, number>
  /** The device the report is about. @default the outbox's device (a gateway sets its MCU's id) */
  deviceId?: string
}

export interface ReportOutboxInit {
  /** @default REPORT_OUTBOX_ENTRIES_MAX */
  entriesMax?: number
  /** @default REPORT_OUTBOX_BYTES_MAX */
  bytesMax?: number
}

export interface ReportOutboxComponents {
  clock: Pick<Clock, 'nowMs'>
  /** This device's id (its peer id). */
  deviceId: string
}

export interface OutboxEntry { seq: number, bytes: Uint8Array }

export interface OutboxStats {
  pending: number
  bytes: number
  /** Reports dropped unsent because the outbox was full, since it was created. */
  dropped: number
  /** Seq the next report gets. */
  nextSeq: number
}

interface Meta { nextSeq: number, dropped: number }

type BatchOp = { type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }

const META_KEY = 'meta'
const REPORT_PREFIX = 'r!'
// 16 digits hold every safe integer (2^53 ≈ 9.007e15), so keys sort as numbers.
const reportKey = (seq: number): string => REPORT_PREFIX + String(seq).padStart(16, '0')

/**
 * A device's durable report outbox (DESIGN "DeviceReport"): a level database in the storage
 * dir, one record per report, written with `sync` so a report survives a power cut once
 * `append` resolved. Seqs are monotonic per device and survive restarts; a new outbox starts at
 * the clock's milliseconds rather than 1, so a device whose storage was wiped still sends seqs
 * above those the coordinator already has and is not taken for a duplicate. Bounded: past
 * `entriesMax` reports or `bytesMax` bytes the oldest are dropped and counted.
 */
export class ReportOutbox {
  private readonly index: Array<{ seq: number, size: number }> = []
  private bytes = 0
  private writing: Promise<unknown> = Promise.resolve()
  private readonly listeners = new Set<() => void>()

  private constructor (
    private readonly db: Level<string, Uint8Array>, private readonly c: ReportOutboxComponents,
    private readonly init: Required<ReportOutboxInit>, private meta: Meta
  ) {}

  static async open (storageDir: string, components: ReportOutboxComponents, init: ReportOutboxInit = {}): Promise<ReportOutbox> {
    const path = join(storageDir, 'reports')
    const db = new Level<string, Uint8Array>(path, { valueEncoding: 'view' })
    try {
      await db.open()
    } catch (err) {
      const locked = (err as { code?: string }).code === 'LEVEL_LOCKED' || (err as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED'
      throw new ReportOutboxError(locked
        ? `the report outbox ${path} is in use by another process; stop it or pass another --storage-dir`
        : `cannot open the report outbox ${path}: ${(err as Error).message}; fix permissions or free disk space`, { cause: err })
    }
    try {
      const stored = await db.get(META_KEY)
      const meta: Meta = stored == null ? { nextSeq: Math.max(1, Math.floor(components.clock.nowMs())), dropped: 0 } : JSON.parse(new TextDecoder().decode(stored)) as Meta
      const outbox = new ReportOutbox(db, components, { entriesMax: init.entriesMax ?? REPORT_OUTBOX_ENTRIES_MAX, bytesMax: init.bytesMax ?? REPORT_OUTBOX_BYTES_MAX }, meta)
      for await (const [key, value] of db.iterator({ gt: REPORT_PREFIX, lt: REPORT_PREFIX + '~' })) outbox.indexAdd(Number(key.slice(REPORT_PREFIX.length)), value.length)
      return outbox
    } catch (err) {
      await db.close()
      throw new ReportOutboxError(`the report outbox ${path} cannot be read (${(err as Error).message}); move it aside and restart (undelivered reports in it are lost)`, { cause: err })
    }
  }

  /** Stores a report durably and returns it as it will be sent. */
  async append (draft: ReportDraft): Promise<DeviceReport> {
    const seq = this.meta.nextSeq++
    const report: DeviceReport = {
      version: WIRE_VERSION,
      deviceId: draft.deviceId ?? this.c.deviceId,
      deploymentId: draft.deploymentId,
      planSeq: draft.planSeq,
      step: draft.step,
      appVersion: draft.appVersion ?? '',
      health: draft.health,
      errorCode: draft.errorCode ?? '',
      // Bounded so a long tool output in an error cannot make the report unsendable.
      errorMessage: (draft.errorMessage ?? '').slice(0, REPORT_ERROR_MESSAGE_CHARS_MAX),
      metrics: new Map(Object.entries(draft.metrics ?? {})),
      sentMs: this.c.clock.nowMs(),
      seq
    }
    const bytes = encodeDeviceReport(report)
    this.indexAdd(seq, bytes.length)
    const ops: BatchOp[] = [{ type: 'put', key: reportKey(seq), value: bytes }]
    while (this.index.length > this.init.entriesMax || (this.bytes > this.init.bytesMax && this.index.length > 1)) {
      const oldest = this.indexShift()
      if (oldest == null) break
      ops.push({ type: 'del', key: reportKey(oldest.seq) })
      this.meta.dropped++
    }
    try {
      await this.write([...ops, { type: 'put', key: META_KEY, value: this.metaBytes() }])
    } catch (err) {
      // Nothing of the batch was written: forget the report so the index matches the disk.
      // Reports dropped for it are gone from the index either way; their records stay until acked past.
      const at = this.index.findIndex(e => e.seq === seq)
      if (at >= 0) this.bytes -= this.index.splice(at, 1)[0]?.size ?? 0
      throw err
    }
    for (const listener of this.listeners) listener()
    return report
  }

  /** The oldest undelivered reports, in seq order, within both bounds (at least one when any is pending). */
  async peek (countMax: number, bytesMax: number): Promise<OutboxEntry[]> {
    await this.writing
    const out: OutboxEntry[] = []
    let bytes = 0
    for (const { seq, size } of this.index) {
      if (out.length >= countMax || (out.length > 0 && bytes + size > bytesMax)) break
      const value = await this.db.get(reportKey(seq))
      if (value == null) continue
      out.push({ seq, bytes: value })
      bytes += size
    }
    return out
  }

  /** Removes every report up to `seq` (delivered and acknowledged); returns how many. */
  async ack (seq: number): Promise<number> {
    const ops: BatchOp[] = []
    while (this.index.length > 0 && (this.index[0]?.seq ?? Infinity) <= seq) {
      const entry = this.indexShift()
      if (entry != null) ops.push({ type: 'del', key: reportKey(entry.seq) })
    }
    if (ops.length > 0) await this.write(ops)
    return ops.length
  }

  /** Called after every append (the sender wakes up). */
  onAppend (listener: () => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  stats (): OutboxStats {
    return { pending: this.index.length, bytes: this.bytes, dropped: this.meta.dropped, nextSeq: this.meta.nextSeq }
  }

  async close (): Promise<void> {
    await this.writing
    await this.db.close()
  }

  private indexAdd (seq: number, size: number): void {
    this.index.push({ seq, size })
    this.bytes += size
  }

  private indexShift (): { seq: number, size: number } | undefined {
    const entry = this.index.shift()
    if (entry != null) this.bytes -= entry.size
    return entry
  }

  private metaBytes (): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(this.meta))
  }

  /** Writes one batch after the previous one: a later meta record never lands before an earlier one. */
  private async write (ops: BatchOp[]): Promise<void> {
    const next = this.writing.then(async () => { await this.db.batch(ops, { sync: true }) })
    this.writing = next.catch(() => {})
    try {
      await next
    } catch (err) {
      throw new ReportOutboxError(`cannot write the report outbox: ${(err as Error).message}; free disk space or fix permissions of the storage dir`, { cause: err })
    }
  }
}
