/**
 * The report outbox survives kill -9: a child process appends reports until it is killed
 * mid-write; every report whose append had resolved is there after reopening, and seqs go on
 * from where they stopped (no seq is given twice).
 */
import { spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeDeviceReport, Health } from '../../proto/index.js'
import { openReportOutbox } from '../../node/plans/index.js'

const WRITER = resolve('test/plans/fixtures/outbox-writer.ts')
const APPENDS_BEFORE_KILL = 30

describe('report outbox under kill -9', () => {
  it('keeps every appended report and never reuses a seq', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetd-outbox-kill-'))
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    const printed: number[] = []
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const exited = new Promise<NodeJS.Signals | null>(resolve => { child.on('exit', (_code, signal) => { resolve(signal) }) })
    await new Promise<void>((resolve, reject) => {
      let buffered = ''
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString()
        const lines = buffered.split('\n')
        buffered = lines.pop() ?? ''
        printed.push(...lines.map(Number))
        if (printed.length >= APPENDS_BEFORE_KILL) { child.kill('SIGKILL'); resolve() }
      })
      void exited.then(() => { reject(new Error(`writer exited early: ${stderr}`)) })
    })
    expect(await exited).toBe('SIGKILL')

    const outbox = await openReportOutbox(dir, { clock: { nowMs: () => 0 }, deviceId: 'dev-killed' })
    const held = await outbox.peek(10_000, 1 << 30)
    const seqs = held.map(e => e.seq)
    for (const seq of printed) expect(seqs).toContain(seq)
    // Contiguous from the first: nothing lost in the middle.
    expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] ?? 0) + i))
    expect(held.map(e => decodeDeviceReport(e.bytes).appVersion).slice(0, 3)).toEqual(['1.0.0', '1.0.1', '1.0.2'])
    const next = await outbox.append({ deploymentId: 'dep-1', planSeq: 1, step: 'switch', health: Health.HEALTHY })
    expect(next.seq).toBeGreaterThan(Math.max(...seqs))
    await outbox.close()
  }, 60_000)
})
