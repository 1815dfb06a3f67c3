import { StoreRecordError } from './errors.js'
import type { Level } from 'level'
import type { z } from 'zod'

function jsonTable (db: Level<string, unknown>, name: string) {
  return db.sublevel<string, unknown>(name, { valueEncoding: 'json' })
}

/** A sublevel of the coordinator database whose values are JSON. */
export type JsonTable = ReturnType<typeof jsonTable>
export { jsonTable }

export interface PutOp { type: 'put', key: string, value: unknown }
export interface DelOp { type: 'del', key: string }
export type TableOp = PutOp | DelOp

export interface ListOptions {
  /** Only keys after this one (exclusive): the cursor of the previous page. */
  after?: string
  /** @default all */
  limit?: number
  /** Newest (highest key) first. @default false */
  reverse?: boolean
}

/**
 * Typed records under one key prefix of a sublevel, checked by a zod schema on the way in and
 * on the way out. Several tables may share a sublevel (with different prefixes) so that one
 * `batch()` updates a record and its index atomically.
 */
export class RecordTable<T> {
  constructor (
    private readonly db: JsonTable,
    readonly name: string,
    private readonly schema: z.ZodType<T>,
    private readonly prefix = ''
  ) {}

  async get (key: string): Promise<T | undefined> {
    const raw = await this.db.get(this.prefix + key)
    return raw === undefined ? undefined : this.decode(key, raw)
  }

  async has (key: string): Promise<boolean> {
    return (await this.db.get(this.prefix + key)) !== undefined
  }

  async put (key: string, value: T): Promise<void> {
    await this.db.batch([this.putOp(key, value)])
  }

  async del (key: string): Promise<void> {
    await this.db.del(this.prefix + key)
  }

  /** A validated put for `batch()`, so a record and its index change together. */
  putOp (key: string, value: T): PutOp {
    const result = this.schema.safeParse(value)
    if (!result.success) {
      throw new StoreRecordError(`refusing to write an invalid ${this.name} record '${key}': ${describeIssues(result.error)}`, this.name, key)
    }
    return { type: 'put', key: this.prefix + key, value: result.data }
  }

  delOp (key: string): DelOp {
    return { type: 'del', key: this.prefix + key }
  }

  async batch (ops: TableOp[]): Promise<void> {
    await this.db.batch(ops)
  }

  async list (options: ListOptions = {}): Promise<T[]> {
    return (await this.entries(options)).map(([, value]) => value)
  }

  async entries (options: ListOptions = {}): Promise<Array<[string, T]>> {
    const out: Array<[string, T]> = []
    for await (const [key, raw] of this.db.iterator(this.range(options))) {
      const short = key.slice(this.prefix.length)
      out.push([short, this.decode(short, raw)])
    }
    return out
  }

  /** Streams records in key order without holding them all: for the audit log and large fleets. */
  async * values (options: ListOptions = {}): AsyncGenerator<{ key: string, raw: unknown }> {
    for await (const [key, raw] of this.db.iterator(this.range(options))) {
      yield { key: key.slice(this.prefix.length), raw }
    }
  }

  async count (): Promise<number> {
    let n = 0
    for await (const key of this.db.keys(this.range({}))) { void key; n++ }
    return n
  }

  decode (key: string, raw: unknown): T {
    const result = this.schema.safeParse(raw)
    if (!result.success) {
      throw new StoreRecordError(`the ${this.name} record '${key}' in the database is not valid: ${describeIssues(result.error)}; restore the database from a backup or delete the record`, this.name, key)
    }
    return result.data
  }

  private range (options: ListOptions): { gt: string, lt: string, limit: number, reverse: boolean } {
    // '\uffff' sorts after every key we write (ids, names and indexes are ASCII).
    const lt = this.prefix + '\uffff'
    const gt = this.prefix + (options.after ?? '')
    if (options.reverse === true && options.after != null) {
      return { gt: this.prefix, lt: this.prefix + options.after, limit: options.limit ?? -1, reverse: true }
    }
    return { gt, lt, limit: options.limit ?? -1, reverse: options.reverse ?? false }
  }
}

/** `field.path: message; …` from zod issues, so an error names what is wrong. */
export function describeIssues (error: z.ZodError): string {
  return error.issues.slice(0, 5).map(issue => {
    const path = issue.path.map(String).join('.')
    return `${path === '' ? '(record)' : path}: ${issue.message}`
  }).join('; ')
}
