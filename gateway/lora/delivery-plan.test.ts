/**
 * Full image or deltas for one update (`planDeliveries`): grouped by base, full for everyone
 * when a base is unknown or the deltas are not smaller, and every planned delta rebuilds the
 * image with the TS applier.
 */
import { describe, expect, it } from 'vitest'
import { seededBytes } from '../../test/support/seeded-bytes.js'
import { applyDelta } from './delta.js'
import { planDeliveries } from './delivery-plan.js'

const v1 = seededBytes(11, 8_000)
const v2 = (() => { const t = v1.slice(); t.set([9, 9, 9, 9], 1_000); t.set([7, 7], 6_000); return t })()
const v3 = (() => { const t = v2.slice(); t.set([5, 5, 5], 3_000); return t })()
const name = (d: string): string => d

describe('planDeliveries', () => {
  it('devices on the same base share one delta stream that rebuilds the image', () => {
    const plan = planDeliveries(v3, [{ device: 'a', base: v2 }, { device: 'b', base: v2 }], name)
    expect(plan).toHaveLength(1)
    const [only] = plan
    if (only?.kind !== 'delta') throw new Error(`expected a delta, got ${JSON.stringify(only)}`)
    expect(only.devices).toEqual(['a', 'b'])
    expect(only.delta.length).toBeLessThan(v3.length / 20)
    expect(applyDelta(v2, only.delta)).toEqual(v3)
  })

  it('devices on two bases get one delta stream per base', () => {
    const plan = planDeliveries(v3, [{ device: 'a', base: v2 }, { device: 'b', base: v1 }, { device: 'c', base: v2 }], name)
    expect(plan.map(p => [p.kind, p.devices])).toEqual([['delta', ['a', 'c']], ['delta', ['b']]])
    for (const p of plan) if (p.kind === 'delta') expect(applyDelta(p.devices[0] === 'b' ? v1 : v2, p.delta)).toEqual(v3)
  })

  it('one device without a base: everyone takes the one full-image stream, and the reason names it', () => {
    const plan = planDeliveries(v3, [{ device: 'a', base: v2 }, { device: 'b', baseMissing: '1.0.0 is not held' }], name)
    expect(plan).toEqual([{ kind: 'full', devices: ['a', 'b'], why: 'no delta base for b: 1.0.0 is not held' }])
  })

  it('deltas not smaller than the image: the full image', () => {
    const unrelated = seededBytes(12, 8_000)
    const plan = planDeliveries(v3, [{ device: 'a', base: unrelated }], name)
    expect(plan[0]?.kind).toBe('full')
    expect(plan[0]?.kind === 'full' ? plan[0].why : '').toMatch(/not smaller than the image \(8000 B\)/)
  })
})
