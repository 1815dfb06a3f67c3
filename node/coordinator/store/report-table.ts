import { reportCountsSchema, reportRecordSchema } from './records.js'
import { RecordTable } from './record-table.js'
import type { ReportCounts, ReportRecord } from './records.js'
import type { JsonTable, ListOptions, TableOp } from './record-table.js'

const SEP = '\u0000'

export function emptyCounts (): ReportCounts {
  return { devices: 0, errors: 0, byStep: {}, byHealth: {}, byVersion: {} }
}

/**
 * Deployment reports: the latest report of each device for each deployment, and per-deployment
 * counts (devices by step, health and version; devices whose latest report is an error) kept
 * up to date in the same batch, so the controller reads a phase's verdict without scanning
 * 10,000 reports. Callers serialize writes (CoordinatorStore.exclusive): counts are
 * read-modify-write.
 */
export class ReportTable {
  private readonly latest: RecordTable<ReportRecord>
  private readonly counts: RecordTable<ReportCounts>

  constructor (db: JsonTable) {
    this.latest = new RecordTable(db, 'report', reportRecordSchema, 'r:')
    this.counts = new RecordTable(db, 'report-counts', reportCountsSchema, 'c:')
  }

  /**
   * Keeps `report` if it is newer (by the device's outbox seq) than the stored one for its
   * deployment; returns what happened.
   */
  async record (report: ReportRecord): Promise<'new' | 'updated' | 'stale'> {
    const key = report.deploymentId + SEP + report.deviceId
    const previous = await this.latest.get(key)
    if (previous != null && report.seq <= previous.seq) return 'stale'
    const counts = (await this.counts.get(report.deploymentId)) ?? emptyCounts()
    if (previous != null) tally(counts, previous, -1)
    tally(counts, report, +1)
    const ops: TableOp[] = [this.latest.putOp(key, report), this.counts.putOp(report.deploymentId, counts)]
    await this.latest.batch(ops)
    return previous == null ? 'new' : 'updated'
  }

  async get (deploymentId: string, deviceId: string): Promise<ReportRecord | undefined> {
    return await this.latest.get(deploymentId + SEP + deviceId)
  }

  /** Latest reports of a deployment, by device id; page with `after` (a device id). */
  async list (deploymentId: string, options: Omit<ListOptions, 'reverse'> = {}): Promise<ReportRecord[]> {
    const prefix = deploymentId + SEP
    const out: ReportRecord[] = []
    const limit = options.limit ?? Infinity
    for await (const { key, raw } of this.latest.values({ after: prefix + (options.after ?? '') })) {
      if (!key.startsWith(prefix) || out.length >= limit) break
      out.push(this.latest.decode(key, raw))
    }
    return out
  }

  async countsOf (deploymentId: string): Promise<ReportCounts> {
    return (await this.counts.get(deploymentId)) ?? emptyCounts()
  }
}

function tally (counts: ReportCounts, report: ReportRecord, delta: 1 | -1): void {
  counts.devices += delta
  if (report.errorCode != null && report.errorCode !== '') counts.errors += delta
  bump(counts.byStep, report.step, delta)
  bump(counts.byHealth, report.health, delta)
  bump(counts.byVersion, report.appVersion, delta)
}

function bump (map: Record<string, number>, key: string, delta: number): void {
  const next = (map[key] ?? 0) + delta
  if (next <= 0) {
    delete map[key]
  } else {
    map[key] = next
  }
}
