import { addSample, bucketOf, mergeAgg } from './rollup.js'
import { CLOCK_SKEW_MS_MAX, INGEST_BATCH_OPS_MAX, RANGE_POINTS_MAX, TELEMETRY_DEVICES_MAX } from './constants.js'
import { TelemetryQueryError } from './errors.js'
import type { Agg, RollupRecord } from './rollup.js'
import type { LatestSample, RangeQuery, RangeResult, SeriesPoint, TelemetryStoreComponents, TelemetryStoreStats, TelemetryStoreConfig, Sample } from './index.js'

type Op = { type: 'put', key: string, value: unknown } | { type: 'del', key: string }
interface RawValue { s: number, m: Record<string, number> }
interface Open { bucket: number, agg: RollupRecord }
interface Deferred { promise: Promise<void>, resolve(): void, reject(err: unknown): void }

// 16 digits hold every millisecond timestamp until the year 2286, so keys sort as numbers.
const ts = (ms: number): string => String(Math.max(0, Math.floor(ms))).padStart(16, '0')
const rawKey = (dev: string, atMs: number): string => `r!${dev}!${ts(atMs)}`
const rollupPrefix = (dev: string): string => `m!${dev}!`
const deviceKey = (dev: string): string => `d!${dev}`

/**
 * The coordinator's time series, in a sublevel of its store:
 *   `r!<device>!<ms>`            one raw sample (every metric of one report), kept rawRetentionMs
 *   `m!<device>!<bucket>!<n>`    a rollup of a bucket (count/sum/min/max per metric), kept rollupRetentionMs
 *   `d!<device>`                 the devices that ever reported, so retention knows whom to sweep
 * Samples are keyed per device first: a chart's range query is one short key range. Writes are
 * group-committed: every ingest of one event-loop turn lands in one batch, and each caller's
 * promise resolves once its batch is written (the report receiver acks only then).
 * Rollups of the open bucket are kept in memory and written when the bucket ends (maintain()),
 * or at stop; a sample for an older bucket is written as its own small rollup record and
 * merged on read, so no read-modify-write is ever needed.
 */
export class TelemetryStore {
  private readonly latestByDevice = new Map<string, LatestSample>()
  private readonly open = new Map<string, Open>()
  private pending: Op[] = []
  private scheduled?: Deferred
  private writing: Promise<void> = Promise.resolve()
  private rollupSuffix = 0
  private readonly listeners = new Set<(sample: LatestSample) => void>()
  private readonly counters = { samples: 0, duplicates: 0, batches: 0, refused: 0 }

  private constructor (private readonly c: TelemetryStoreComponents, readonly config: TelemetryStoreConfig) {}

  /** Opens the store: loads the devices known and each one's latest sample. */
  static async open (c: TelemetryStoreComponents, config: TelemetryStoreConfig): Promise<TelemetryStore> {
    const store = new TelemetryStore(c, config)
    const devices: string[] = []
    for await (const [key] of c.db.iterator({ gte: 'd!', lt: 'd!~' })) devices.push(key.slice(2))
    for (const dev of devices) {
      for await (const [key, value] of c.db.iterator({ gte: `r!${dev}!`, lt: `r!${dev}!~`, reverse: true, limit: 1 })) {
        const raw = value as RawValue
        store.latestByDevice.set(dev, { deviceId: dev, atMs: Number(key.slice(key.lastIndexOf('!') + 1)), seq: raw.s, metrics: raw.m })
      }
    }
    return store
  }

  /** Stores one sample; resolves when it is written. A duplicate (same or older seq than the device's latest) is dropped. */
  async ingest (sample: Sample): Promise<'stored' | 'duplicate' | 'refused'> {
    const { deviceId } = sample
    const prev = this.latestByDevice.get(deviceId)
    if (prev != null && sample.seq <= prev.seq) { this.counters.duplicates++; return 'duplicate' }
    if (prev == null && this.latestByDevice.size >= TELEMETRY_DEVICES_MAX) { this.counters.refused++; return 'refused' }
    const nowMs = this.c.clock.nowMs()
    // A device clock far ahead would put samples beyond every query and retention: take it as now.
    const atMs = sample.atMs > nowMs + CLOCK_SKEW_MS_MAX ? nowMs : sample.atMs
    const latest: LatestSample = { deviceId, atMs, seq: sample.seq, metrics: sample.metrics }
    if (prev == null) this.pending.push({ type: 'put', key: deviceKey(deviceId), value: atMs })
    this.latestByDevice.set(deviceId, latest)
    this.pending.push({ type: 'put', key: rawKey(deviceId, atMs), value: { s: sample.seq, m: sample.metrics } satisfies RawValue })
    this.addToRollup(deviceId, atMs, sample.metrics)
    this.counters.samples++
    for (const listener of this.listeners) listener(latest)
    await this.commit()
    return 'stored'
  }

  /** A metric of one device over [fromMs, toMs]: raw samples, or 1-minute (configurable) rollups. */
  async range (q: RangeQuery): Promise<RangeResult> {
    if (q.toMs < q.fromMs) throw new TelemetryQueryError(`the range ends (${q.toMs}) before it starts (${q.fromMs}); swap from and to`)
    const nowMs = this.c.clock.nowMs()
    const pointsMax = Math.min(q.pointsMax ?? RANGE_POINTS_MAX, RANGE_POINTS_MAX)
    let resolution = q.resolution ?? 'auto'
    if (resolution === 'auto') {
      // Raw while the range is inside raw retention and small enough to chart sample by sample.
      const fitsRaw = q.fromMs >= nowMs - this.config.rawRetentionMs && (q.toMs - q.fromMs) / this.config.rollupIntervalMs <= pointsMax / 6
      resolution = fitsRaw ? 'raw' : 'rollup'
    }
    const points = resolution === 'raw' ? await this.rawRange(q, pointsMax) : await this.rollupRange(q, pointsMax)
    return { deviceId: q.deviceId, metric: q.metric, resolution, stepMs: resolution === 'raw' ? 0 : this.config.rollupIntervalMs, points }
  }

  latest (deviceId: string): LatestSample | undefined {
    return this.latestByDevice.get(deviceId)
  }

  /** Every device's latest sample (for /metrics, fleet health and alerts). */
  latestAll (): IterableIterator<LatestSample> {
    return this.latestByDevice.values()
  }

  onSample (listener: (sample: LatestSample) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /**
   * Writes the rollups of buckets that have ended, then deletes raw samples older than
   * rawRetentionMs and rollups older than rollupRetentionMs. Runs every maintenance period;
   * tests call it with an injected clock.
   */
  async maintain (): Promise<void> {
    const nowMs = this.c.clock.nowMs()
    for (const [dev, open] of this.open) {
      if (open.bucket + this.config.rollupIntervalMs <= nowMs) {
        this.pending.push(this.rollupOp(dev, open))
        this.open.delete(dev)
      }
    }
    await this.commit()
    const rawCut = ts(nowMs - this.config.rawRetentionMs)
    const rollupCut = ts(nowMs - this.config.rollupRetentionMs)
    for (const dev of this.latestByDevice.keys()) {
      await this.c.db.clear({ gte: `r!${dev}!`, lt: `r!${dev}!${rawCut}` })
      await this.c.db.clear({ gte: rollupPrefix(dev), lt: `${rollupPrefix(dev)}${rollupCut}` })
    }
  }

  /** Writes every open rollup and waits for all writes: call before closing the database. */
  async flush (): Promise<void> {
    for (const [dev, open] of this.open) this.pending.push(this.rollupOp(dev, open))
    this.open.clear()
    await this.commit()
  }

  stats (): TelemetryStoreStats {
    return { ...this.counters, devices: this.latestByDevice.size }
  }

  private addToRollup (dev: string, atMs: number, metrics: Record<string, number>): void {
    const bucket = bucketOf(atMs, this.config.rollupIntervalMs)
    const open = this.open.get(dev)
    if (open == null || bucket > open.bucket) {
      if (open != null) this.pending.push(this.rollupOp(dev, open))
      const next: Open = { bucket, agg: {} }
      addSample(next.agg, metrics)
      this.open.set(dev, next)
    } else if (bucket === open.bucket) {
      addSample(open.agg, metrics)
    } else {
      // A late sample (delivered after a partition): its own record, merged when read.
      const late: RollupRecord = {}
      addSample(late, metrics)
      this.pending.push(this.rollupOp(dev, { bucket, agg: late }))
    }
  }

  private rollupOp (dev: string, open: Open): Op {
    // The suffix tells apart several records of one bucket; it needs no order, only uniqueness.
    return { type: 'put', key: `${rollupPrefix(dev)}${ts(open.bucket)}!${(this.rollupSuffix++).toString(36)}`, value: open.agg }
  }

  private async rawRange (q: RangeQuery, pointsMax: number): Promise<SeriesPoint[]> {
    const points: SeriesPoint[] = []
    for await (const [key, value] of this.c.db.iterator({ gte: rawKey(q.deviceId, q.fromMs), lte: rawKey(q.deviceId, q.toMs) })) {
      const v = (value as RawValue).m[q.metric]
      if (v == null) continue
      points.push({ t: Number(key.slice(key.lastIndexOf('!') + 1)), v })
      if (points.length >= pointsMax) break
    }
    return points
  }

  private async rollupRange (q: RangeQuery, pointsMax: number): Promise<SeriesPoint[]> {
    const byBucket = new Map<number, Agg>()
    const prefix = rollupPrefix(q.deviceId)
    const from = bucketOf(q.fromMs, this.config.rollupIntervalMs)
    for await (const [key, value] of this.c.db.iterator({ gte: `${prefix}${ts(from)}`, lt: `${prefix}${ts(q.toMs + 1)}` })) {
      const agg = (value as RollupRecord)[q.metric]
      if (agg == null) continue
      const bucket = Number(key.slice(prefix.length, prefix.length + 16))
      byBucket.set(bucket, mergeAgg(byBucket.get(bucket), agg))
      if (byBucket.size > pointsMax) break
    }
    const open = this.open.get(q.deviceId)
    const openAgg = open?.agg[q.metric]
    if (open != null && openAgg != null && open.bucket >= from && open.bucket <= q.toMs) byBucket.set(open.bucket, mergeAgg(byBucket.get(open.bucket), openAgg))
    return [...byBucket.entries()].sort((a, b) => a[0] - b[0]).slice(0, pointsMax)
      .map(([t, [count, sum, min, max]]) => ({ t, v: sum / count, min, max, count }))
  }

  /** Group commit: one batch per event-loop turn (bounded), batches written in order. */
  private async commit (): Promise<void> {
    if (this.scheduled == null) {
      let resolve!: () => void
      let reject!: (err: unknown) => void
      const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej })
      this.scheduled = { promise, resolve, reject }
      setImmediate(() => { this.write() })
    }
    return await this.scheduled.promise
  }

  private write (): void {
    const batch = this.scheduled
    this.scheduled = undefined
    const ops = this.pending
    this.pending = []
    if (batch == null) return
    this.writing = this.writing.then(async () => {
      for (let i = 0; i < ops.length; i += INGEST_BATCH_OPS_MAX) await this.c.db.batch(ops.slice(i, i + INGEST_BATCH_OPS_MAX))
      this.counters.batches++
      batch.resolve()
    }).catch((err: unknown) => { batch.reject(err) })
  }
}
