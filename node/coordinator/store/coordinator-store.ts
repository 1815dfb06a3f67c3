import { Level } from 'level'
import { resolve } from 'node:path'
import { z } from 'zod'
import { FleetStore } from '../../fleet/index.js'
import { AuditTable } from './audit-table.js'
import { STORE_SCHEMA_VERSION } from './constants.js'
import { StoreOpenError } from './errors.js'
import { jsonTable, RecordTable } from './record-table.js'
import type { JsonTable } from './record-table.js'
import { appRecordSchema, deploymentRecordSchema, deviceRecordSchema } from './records.js'
import { ReportTable } from './report-table.js'
import { TokenTable } from './token-table.js'
import type { AppRecord, DeploymentRecord, DeviceRecord } from './records.js'

/**
 * The coordinator's embedded level database (`--db fleet.db`): the fleet's secrets at the
 * root (FleetStore, shared with `fleets token create`) and one sublevel per record kind.
 * LevelDB allows one handle per database, so this class owns it and lends it to FleetStore.
 */
export class CoordinatorStore {
  readonly fleet: FleetStore
  readonly devices: RecordTable<DeviceRecord>
  readonly apps: RecordTable<AppRecord>
  readonly deployments: RecordTable<DeploymentRecord>
  readonly reports: ReportTable
  readonly tokens: TokenTable
  readonly audit: AuditTable
  /** Time series, alert rules and alerts (node/telemetry owns the keys). */
  readonly telemetry: JsonTable
  private tail: Promise<unknown> = Promise.resolve()
  private closed = false

  private constructor (private readonly db: Level<string, unknown>, readonly path: string) {
    this.fleet = FleetStore.attach(db, path)
    this.devices = new RecordTable(jsonTable(db, 'devices'), 'device', deviceRecordSchema)
    this.apps = new RecordTable(jsonTable(db, 'apps'), 'app', appRecordSchema)
    this.deployments = new RecordTable(jsonTable(db, 'deployments'), 'deployment', deploymentRecordSchema)
    this.reports = new ReportTable(jsonTable(db, 'reports'))
    this.tokens = new TokenTable(jsonTable(db, 'tokens'))
    this.audit = new AuditTable(jsonTable(db, 'audit'))
    this.telemetry = jsonTable(db, 'telemetry')
  }

  /** Opens (creating when missing) the database at `path`; refuses one written by a newer FleetD. */
  static async open (path: string): Promise<CoordinatorStore> {
    const location = resolve(path)
    const db = new Level<string, unknown>(location, { valueEncoding: 'json' })
    try {
      await db.open()
    } catch (err) {
      const cause = ((err as Error).cause as Error | undefined)?.message ?? (err as Error).message
      throw new StoreOpenError(`cannot open the coordinator database ${location}: ${cause}; is a fleets server using it? stop it or pass another --db`, { cause: err })
    }
    const meta = new RecordTable(jsonTable(db, 'meta'), 'meta', z.number().int())
    const version = await meta.get('schema-version')
    if (version != null && version > STORE_SCHEMA_VERSION) {
      await db.close()
      throw new StoreOpenError(`the coordinator database ${location} has schema version ${version}; this FleetD reads up to ${STORE_SCHEMA_VERSION}: upgrade fleets`)
    }
    if (version == null) await meta.put('schema-version', STORE_SCHEMA_VERSION)
    return new CoordinatorStore(db, location)
  }

  /**
   * Runs `fn` after every earlier exclusive section has finished: read-modify-write sequences
   * (report counts, the audit chain, device merges) must not interleave. One process holds the
   * database, so an in-process queue is enough.
   */
  async exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn)
    this.tail = run.catch(() => {})
    return await run
  }

  /** Resolves when every write queued so far has finished. */
  async flush (): Promise<void> {
    await this.exclusive(async () => {})
  }

  /** Flushes and closes; idempotent. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.flush()
    await this.db.close()
  }
}
