import { Level } from 'level'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { manualClock } from '../coordinator/server/test-support.js'
import { telemetryConfigSchema, telemetryStore, TelemetryQueryError } from './index.js'
import type { TelemetryStore } from './index.js'

const DEV = '12D3KooWTelemetryTestDevice'
const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % MIN)

describe('telemetry store (real level database, injected clock)', () => {
  const dbs: Array<Level<string, unknown>> = []
  afterEach(async () => { for (const db of dbs.splice(0)) await db.close() })

  async function open (path?: string): Promise<{ store: TelemetryStore, clock: ReturnType<typeof manualClock>, db: Level<string, unknown>, path: string }> {
    const dir = path ?? await mkdtemp(join(tmpdir(), 'fleetd-telemetry-'))
    const db = new Level<string, unknown>(dir, { valueEncoding: 'json' })
    dbs.push(db)
    const clock = manualClock(T0)
    const store = await telemetryStore(telemetryConfigSchema.parse({}))({ db, clock })
    return { store, clock, db, path: dir }
  }

  it('answers raw ranges, 1-minute rollups (mean, min, max, count) and drops duplicates by seq', async () => {
    const { store, clock } = await open()
    let seq = 1
    // 3 minutes of 10 s samples: cpu 10, 20, … climbing.
    for (let i = 0; i < 18; i++) {
      expect(await store.ingest({ deviceId: DEV, atMs: clock.nowMs(), seq: seq++, metrics: { cpu_percent: 10 * (i + 1), load1: 1 } })).toBe('stored')
      clock.advance(10_000)
    }
    expect(await store.ingest({ deviceId: DEV, atMs: clock.nowMs(), seq: 5, metrics: { cpu_percent: 999 } })).toBe('duplicate')
    const raw = await store.range({ deviceId: DEV, metric: 'cpu_percent', fromMs: T0, toMs: clock.nowMs(), resolution: 'raw' })
    expect(raw.points.map(p => p.v)).toEqual(Array.from({ length: 18 }, (_, i) => 10 * (i + 1)))
    await store.maintain() // the first two buckets have ended: written as rollups
    const rolled = await store.range({ deviceId: DEV, metric: 'cpu_percent', fromMs: T0, toMs: clock.nowMs(), resolution: 'rollup' })
    expect(rolled.stepMs).toBe(MIN)
    expect(rolled.points).toEqual([
      { t: T0, v: 35, min: 10, max: 60, count: 6 },
      { t: T0 + MIN, v: 95, min: 70, max: 120, count: 6 },
      { t: T0 + 2 * MIN, v: 155, min: 130, max: 180, count: 6 } // the open bucket, from memory
    ])
    expect(store.latest(DEV)?.metrics.cpu_percent).toBe(180)
    await expect(store.range({ deviceId: DEV, metric: 'cpu_percent', fromMs: 10, toMs: 5 })).rejects.toThrow(TelemetryQueryError)
  })

  it('keeps raw samples 24 h and rollups 30 days, then deletes them; a late sample merges into its bucket', async () => {
    const { store, clock } = await open()
    await store.ingest({ deviceId: DEV, atMs: T0, seq: 1, metrics: { m: 4 } })
    await store.ingest({ deviceId: DEV, atMs: T0 + 30_000, seq: 2, metrics: { m: 8 } })
    clock.advance(2 * MIN)
    await store.ingest({ deviceId: DEV, atMs: clock.nowMs(), seq: 3, metrics: { m: 1 } })
    // Delivered late (after a partition): belongs to the first bucket.
    await store.ingest({ deviceId: DEV, atMs: T0 + 45_000, seq: 4, metrics: { m: 12 } })
    await store.maintain()
    const q = { deviceId: DEV, metric: 'm', fromMs: T0 - DAY, toMs: T0 + 40 * DAY }
    expect((await store.range({ ...q, resolution: 'rollup' })).points[0]).toEqual({ t: T0, v: 8, min: 4, max: 12, count: 3 })

    clock.advance(DAY + MIN) // raw of the first minutes expires, rollups stay
    await store.maintain()
    expect((await store.range({ ...q, resolution: 'raw' })).points).toEqual([])
    expect((await store.range({ ...q, resolution: 'rollup' })).points.map(p => p.t)).toEqual([T0, T0 + 2 * MIN])
    // A query older than raw retention is answered from rollups by itself.
    expect((await store.range(q)).resolution).toBe('rollup')

    clock.advance(30 * DAY)
    await store.maintain()
    expect((await store.range({ ...q, resolution: 'rollup' })).points).toEqual([])
  })

  it('survives a restart: latest sample and seq are reloaded, open rollups were flushed', async () => {
    const first = await open()
    await first.store.ingest({ deviceId: DEV, atMs: T0 + 1000, seq: 7, metrics: { cpu_percent: 42 } })
    await first.store.flush()
    await first.db.close()
    dbs.splice(dbs.indexOf(first.db), 1)
    const again = await open(first.path)
    expect(again.store.latest(DEV)).toEqual({ deviceId: DEV, atMs: T0 + 1000, seq: 7, metrics: { cpu_percent: 42 } })
    expect(await again.store.ingest({ deviceId: DEV, atMs: T0 + 2000, seq: 7, metrics: { cpu_percent: 1 } })).toBe('duplicate')
    expect((await again.store.range({ deviceId: DEV, metric: 'cpu_percent', fromMs: T0, toMs: T0 + MIN, resolution: 'rollup' })).points).toEqual([{ t: T0, v: 42, min: 42, max: 42, count: 1 }])
  })

  it('takes a sample dated far in the future (device clock skew) as received now', async () => {
    const { store, clock } = await open()
    await store.ingest({ deviceId: DEV, atMs: T0 + 365 * DAY, seq: 1, metrics: { x: 1 } })
    expect(store.latest(DEV)?.atMs).toBe(clock.nowMs())
  })

  it('refuses a bad configuration with the field named', () => {
    const r = telemetryConfigSchema.safeParse({ rawRetentionMs: 2 * DAY, rollupRetentionMs: DAY })
    expect(r.success).toBe(false)
    expect(r.error?.issues[0]?.path).toEqual(['rollupRetentionMs'])
  })
})
