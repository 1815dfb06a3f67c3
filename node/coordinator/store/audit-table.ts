import { auditEntrySchema } from './records.js'
import { RecordTable } from './record-table.js'
import { StoreRecordError } from './errors.js'
import type { AuditEntry } from './records.js'
import type { JsonTable } from './record-table.js'

/** Zero-padded so key order is index order; 10^15 entries outlast any fleet. */
const INDEX_DIGITS = 15

export function auditKey (index: number): string {
  return String(index).padStart(INDEX_DIGITS, '0')
}

/**
 * The audit log's storage: append-only by construction. It offers no update or delete, and
 * `append` refuses any index but the next one. Whoever can write the database files can still
 * change them; the hash chain (coordinator/audit) is what makes that visible.
 */
export class AuditTable {
  private readonly entries: RecordTable<AuditEntry>

  constructor (db: JsonTable) {
    this.entries = new RecordTable(db, 'audit', auditEntrySchema, '')
  }

  /** The last entry, or undefined for an empty log. */
  async head (): Promise<AuditEntry | undefined> {
    const [last] = await this.entries.list({ reverse: true, limit: 1 })
    return last
  }

  /** Callers serialize appends (CoordinatorStore.exclusive) so two cannot claim one index. */
  async append (entry: AuditEntry): Promise<void> {
    const head = await this.head()
    const expected = head == null ? 0 : head.index + 1
    if (entry.index !== expected) {
      throw new StoreRecordError(`audit entries are append-only: the next index is ${expected}, not ${entry.index}`, 'audit', auditKey(entry.index))
    }
    await this.entries.put(auditKey(entry.index), entry)
  }

  async get (index: number): Promise<AuditEntry | undefined> {
    return await this.entries.get(auditKey(index))
  }

  /** Entries from `fromIndex` on, in order, at most `limit`. */
  async range (fromIndex: number, limit: number): Promise<AuditEntry[]> {
    const after = fromIndex <= 0 ? undefined : auditKey(fromIndex - 1)
    return await this.entries.list({ ...(after != null ? { after } : {}), limit })
  }

  /** Every stored value in key order, unvalidated: for the verifier, which reports bad entries itself. */
  async * raw (): AsyncGenerator<unknown> {
    for await (const { raw } of this.entries.values()) yield raw
  }

  async count (): Promise<number> {
    return await this.entries.count()
  }
}
