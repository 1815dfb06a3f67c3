import { describe, expect, it } from 'vitest'
import { runScenario, scenarios } from '../scenarios/index.js'
import { buildReport, formatSummary, renderHtml } from './index.js'

describe('report', () => {
  it('summarizes a run as JSON, text and an HTML page with plots', async () => {
    const result = await runScenario(scenarios['canary-bad-version']!(5, 80))
    const report = buildReport(result, 123 * 2 ** 20)
    expect(report.ok).toBe(true)
    expect(report.deployment.status).toBe('rolled-back')
    expect(report.deployment.rollbackMs).not.toBeNull()
    expect(report.traceHash).toMatch(/^[0-9a-f]{64}$/)
    expect(report.gossipDelayMs.count).toBeGreaterThan(0)
    expect(report.progress.length).toBeGreaterThan(0)
    expect(JSON.parse(JSON.stringify(report))).toMatchObject({ scenario: 'canary-bad-version', seed: 5, peakRssMiB: 123 })
    expect(formatSummary(report)).toContain('PASS')
    const html = renderHtml(report)
    expect(html.match(/<svg/g)?.length).toBeGreaterThanOrEqual(4)
    expect(html).toContain('rollback-started')
  })

  it('says how to reproduce a failure', async () => {
    const config = scenarios['canary-good']!(9, 40)
    const result = await runScenario({ ...config, convergenceBoundMs: 1, expect: { ...config.expect, status: 'rolled-back' } })
    const text = formatSummary(buildReport(result, 0))
    expect(text).toContain('FAIL')
    expect(text).toContain('reproduce with --seed=9')
  })
})
