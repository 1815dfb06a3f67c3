import { Level } from 'level'
import { mkdtemp } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../logging/index.js'
import { manualClock } from '../coordinator/server/test-support.js'
import { AlertRuleError, alertManager, evaluate, parseThresholdExpression } from './index.js'
import type { AlertRule } from './index.js'
import type { AddressInfo } from 'node:net'

const DEV = '12D3KooWAlertTestDevice'

describe('alert rules (pure)', () => {
  it('a threshold rule fires once the condition held forMs, stays firing without a new transition, resolves', () => {
    const rule = parseThresholdExpression('cpu_percent>90')
    const withFor: AlertRule = { ...rule, kind: 'threshold', forMs: 20_000 } as AlertRule
    let e = evaluate(withFor, undefined, 95, 0)
    expect(e.transition).toBeUndefined()
    e = evaluate(withFor, e.state, 96, 10_000)
    expect(e.transition).toBeUndefined()
    e = evaluate(withFor, e.state, 97, 20_000)
    expect(e.transition).toBe('firing')
    expect(e.reason).toBe('cpu_percent 97 > 90')
    e = evaluate(withFor, e.state, 99, 30_000)
    expect(e.transition).toBeUndefined() // deduplicated
    e = evaluate(withFor, e.state, 50, 40_000)
    expect(e.transition).toBe('resolved')
  })

  it('an anomaly rule learns a baseline, fires on a jump, keeps the jump out of the baseline, resolves', () => {
    const rule: AlertRule = { id: 'load', kind: 'anomaly', metric: 'load1', severity: 'warning', windowSamples: 20, minSamples: 10, deviations: 4 }
    let state
    for (let i = 0; i < 10; i++) {
      const e = evaluate(rule, state, 1 + (i % 2) * 0.1, i)
      expect(e.transition).toBeUndefined()
      state = e.state
    }
    let e = evaluate(rule, state, 5, 10)
    expect(e.transition).toBe('firing')
    expect(e.reason).toMatch(/σ from its baseline 1\.05/)
    e = evaluate(rule, e.state, 5, 11) // still anomalous: not learned, no new transition
    expect(e.transition).toBeUndefined()
    expect(e.state.window).toHaveLength(10)
    e = evaluate(rule, e.state, 1.05, 12)
    expect(e.transition).toBe('resolved')
  })

  it('refuses an unreadable expression with what to write instead', () => {
    expect(() => parseThresholdExpression('error_rate>>1')).toThrow(AlertRuleError)
    expect(() => parseThresholdExpression('error_rate>>1')).toThrow(/METRIC OP NUMBER/)
    expect(parseThresholdExpression('error_rate > 0.01')).toMatchObject({ metric: 'error_rate', op: '>', threshold: 0.01 })
  })
})

describe('alert manager (real level database, real webhook over loopback HTTP)', () => {
  const closers: Array<() => Promise<void>> = []
  afterEach(async () => { for (const c of closers.splice(0).reverse()) await c() })

  it('fires and resolves per device, deduplicates, notifies the webhook and keeps firing alerts over a restart', async () => {
    const received: Array<{ status: string, alert: { id: string, deviceId: string } }> = []
    const hook = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => { body += c.toString() })
      req.on('end', () => { received.push(JSON.parse(body) as { status: string, alert: { id: string, deviceId: string } }); res.end('ok') })
    })
    await new Promise<void>(resolve => hook.listen(0, '127.0.0.1', resolve))
    closers.push(async () => { await new Promise(resolve => hook.close(resolve)) })
    const webhookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`

    const dir = await mkdtemp(join(tmpdir(), 'fleetd-alerts-'))
    const clock = manualClock()
    const openManager = async (db: Level<string, unknown>): ReturnType<ReturnType<typeof alertManager>> =>
      await alertManager()({ db, clock, random: { nextU32: () => 0 }, logger: silentLogger, webhookUrl })
    let db = new Level<string, unknown>(dir, { valueEncoding: 'json' })
    let alerts = await openManager(db)
    await alerts.setRule({ id: 'errors', kind: 'threshold', metric: 'error_rate', op: '>', threshold: 0.01, severity: 'critical' })
    const sample = async (deviceId: string, v: number, seq: number): Promise<void> => {
      await alerts.observe({ deviceId, atMs: clock.nowMs(), seq, metrics: { 'web/error_rate': v, cpu_percent: 5 } })
    }
    await sample(DEV, 0.5, 1)
    await sample(DEV, 0.6, 2) // same alert, not a second one
    await sample(`${DEV}2`, 0.001, 1)
    await alerts.drain()
    expect(alerts.list({ state: 'firing' }).map(a => [a.deviceId, a.metric, a.value])).toEqual([[DEV, 'web/error_rate', 0.6]])
    expect(received.map(r => [r.status, r.alert.deviceId])).toEqual([['firing', DEV]])

    await db.close()
    db = new Level<string, unknown>(dir, { valueEncoding: 'json' })
    closers.push(async () => { await db.close() })
    alerts = await openManager(db)
    expect(alerts.rules().map(r => r.id)).toEqual(['errors'])
    await sample(DEV, 0.7, 3) // still firing after the restart: no second notification
    clock.advance(60_000)
    await sample(DEV, 0, 4)
    await alerts.drain()
    expect(received.map(r => r.status)).toEqual(['firing', 'resolved'])
    const [resolved] = alerts.list()
    expect(resolved).toMatchObject({ state: 'resolved', deviceId: DEV, endsMs: clock.nowMs(), severity: 'critical' })
    expect(alerts.stats()).toMatchObject({ firing: 0, notified: 1 })
  })
})
