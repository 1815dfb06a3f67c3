import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeDeviceReport, Health } from '../../proto/index.js'
import { openReportOutbox, ReportOutboxError } from './index.js'

const clock = { nowMs: () => 1_700_000_000_000 }
const draft = (i: number) => ({ deploymentId: 'dep-1', planSeq: 1, step: 'switch', health: Health.HEALTHY, appVersion: `1.0.${i}` })

describe('report outbox', () => {
  it('numbers reports from the clock, keeps them across a reopen and drops what was acked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetd-outbox-'))
    const outbox = await openReportOutbox(dir, { clock, deviceId: 'dev-a' })
    const first = await outbox.append(draft(0))
    expect(first).toMatchObject({ seq: 1_700_000_000_000, deviceId: 'dev-a', sentMs: 1_700_000_000_000, version: 1 })
    for (let i = 1; i < 5; i++) await outbox.append(draft(i))
    await outbox.close()

    const reopened = await openReportOutbox(dir, { clock: { nowMs: () => 5 }, deviceId: 'dev-a' })
    expect(reopened.stats()).toMatchObject({ pending: 5, dropped: 0, nextSeq: first.seq + 5 })
    const batch = await reopened.peek(3, 1 << 20)
    expect(batch.map(e => decodeDeviceReport(e.bytes).appVersion)).toEqual(['1.0.0', '1.0.1', '1.0.2'])
    expect(await reopened.ack(first.seq + 2)).toBe(3)
    expect((await reopened.append(draft(5))).seq).toBe(first.seq + 5)
    expect((await reopened.peek(10, 1 << 20)).map(e => e.seq)).toEqual([first.seq + 3, first.seq + 4, first.seq + 5])
    await reopened.close()
  })

  it('drops the oldest reports past its bound and counts them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetd-outbox-'))
    const outbox = await openReportOutbox(dir, { clock, deviceId: 'dev-a' }, { entriesMax: 3 })
    for (let i = 0; i < 5; i++) await outbox.append(draft(i))
    expect(outbox.stats()).toMatchObject({ pending: 3, dropped: 2 })
    expect((await outbox.peek(10, 1 << 20)).map(e => decodeDeviceReport(e.bytes).appVersion)).toEqual(['1.0.2', '1.0.3', '1.0.4'])
    await outbox.close()
  })

  it('keeps a long error message sendable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetd-outbox-'))
    const outbox = await openReportOutbox(dir, { clock, deviceId: 'dev-a' })
    const report = await outbox.append({ ...draft(0), errorMessage: 'x'.repeat(200_000) })
    expect(report.errorMessage.length).toBe(4096)
    await outbox.close()
  })

  it('is refused clearly when another process holds it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetd-outbox-'))
    const outbox = await openReportOutbox(dir, { clock, deviceId: 'dev-a' })
    const failure = await openReportOutbox(dir, { clock, deviceId: 'dev-a' }).catch((err: unknown) => err)
    expect(failure).toBeInstanceOf(ReportOutboxError)
    await outbox.close()
  })
})
