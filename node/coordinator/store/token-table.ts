import { apiTokenRecordSchema } from './records.js'
import { RecordTable } from './record-table.js'
import type { ApiTokenRecord } from './records.js'
import type { JsonTable } from './record-table.js'
import { z } from 'zod'

/**
 * API tokens by id, with an index from the token's sha256 to its id in the same sublevel, so
 * a token and its index are written in one batch. The token itself is never stored.
 */
export class TokenTable {
  private readonly records: RecordTable<ApiTokenRecord>
  private readonly byHash: RecordTable<string>

  constructor (db: JsonTable) {
    this.records = new RecordTable(db, 'token', apiTokenRecordSchema, 'id:')
    this.byHash = new RecordTable(db, 'token-hash', z.string(), 'sha:')
  }

  async get (id: string): Promise<ApiTokenRecord | undefined> {
    return await this.records.get(id)
  }

  /** The token whose sha256 is `sha256`, revoked or not. */
  async findByHash (sha256: string): Promise<ApiTokenRecord | undefined> {
    const id = await this.byHash.get(sha256)
    if (id == null) return undefined
    const record = await this.records.get(id)
    return record?.sha256 === sha256 ? record : undefined
  }

  async put (record: ApiTokenRecord): Promise<void> {
    await this.records.batch([this.records.putOp(record.id, record), this.byHash.putOp(record.sha256, record.id)])
  }

  async list (): Promise<ApiTokenRecord[]> {
    return await this.records.list()
  }

  async count (): Promise<number> {
    return await this.records.count()
  }
}
