/**
 * FLD1 deltas: the TS encoder against the TS applier and against the C applier of the device
 * reference (lora_device --apply-delta, a real process), on realistic small firmware changes.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seededBytes } from '../../test/support/seeded-bytes.js'
import { applyDelta, encodeDelta } from './delta.js'
import { LoraDeltaError } from './errors.js'

const run = promisify(execFile)
let dir = ''
beforeAll(async () => {
  await run('make', ['-s', '-C', 'firmware-bridge/lora', 'all'], { timeout: 120_000 })
  dir = await mkdtemp(join(tmpdir(), 'lora-delta-'))
}, 180_000)
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

const base = seededBytes(3, 64 * 1024)
const changes: Record<string, Uint8Array> = {
  'patched constants': (() => { const t = base.slice(); for (const at of [100, 5_000, 40_000, 63_000]) t.set([1, 2, 3, 4], at); return t })(),
  'inserted function': new Uint8Array([...base.subarray(0, 30_000), ...seededBytes(4, 500), ...base.subarray(30_000)]),
  'removed block and moved section': new Uint8Array([...base.subarray(40_000), ...base.subarray(0, 20_000), ...base.subarray(22_000, 40_000)]),
  'unrelated image': seededBytes(5, 10_000),
  'empty image': new Uint8Array(0)
}

describe('FLD1 delta', () => {
  it.each(Object.keys(changes))('%s: TS and C appliers both rebuild the target', async (name) => {
    const target = changes[name]!
    const delta = encodeDelta(base, target)
    expect(applyDelta(base, delta)).toEqual(target)
    await writeFile(join(dir, 'base'), base)
    await writeFile(join(dir, 'delta'), delta)
    await run(`./firmware-bridge/lora/build/lora_device`, ['--apply-delta', join(dir, 'base'), join(dir, 'delta'), join(dir, 'out')])
    expect(new Uint8Array(await readFile(join(dir, 'out')))).toEqual(target)
  })

  it('is a small fraction of the image for small changes', () => {
    expect(encodeDelta(base, changes['patched constants']!).length).toBeLessThan(150)
    expect(encodeDelta(base, changes['inserted function']!).length).toBeLessThan(700)
    expect(encodeDelta(base, changes['unrelated image']!).length).toBeGreaterThan(10_000) // then the full image is sent
  })

  it('is refused against another base, and when corrupt, by both appliers', async () => {
    const delta = encodeDelta(base, changes['inserted function']!)
    expect(() => applyDelta(seededBytes(9, base.length), delta)).toThrow(LoraDeltaError)
    expect(() => applyDelta(base, delta.subarray(0, delta.length - 5))).toThrow(/delta refused/)
    await writeFile(join(dir, 'base'), seededBytes(9, base.length))
    await writeFile(join(dir, 'delta'), delta)
    await expect(run(`./firmware-bridge/lora/build/lora_device`, ['--apply-delta', join(dir, 'base'), join(dir, 'delta'), join(dir, 'out')]))
      .rejects.toMatchObject({ code: 12 }) // 10 + DELTA_ERR_BASE
  })
})
