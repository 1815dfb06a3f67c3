import { describe, expect, it } from 'vitest'
import { cohortBucket, inCohort, COHORT_BUCKETS } from './cohort.js'

describe('cohort rule', () => {
  it('is deterministic, in range, and close to the phase share over many devices', () => {
    expect(cohortBucket('dep-1', 'dev-a')).toBe(cohortBucket('dep-1', 'dev-a'))
    const ids = Array.from({ length: 10_000 }, (_, i) => `12D3KooW-device-${i}`)
    for (const id of ids.slice(0, 100)) expect(cohortBucket('dep-1', id)).toBeLessThan(COHORT_BUCKETS)
    const share = ids.filter(id => inCohort([500, 2000, 10000], 0, 'dep-1', id)).length / ids.length
    expect(share).toBeGreaterThan(0.04)
    expect(share).toBeLessThan(0.06)
    expect(ids.every(id => inCohort([500, 2000, 10000], 2, 'dep-1', id))).toBe(true)
  })

  it('is cumulative: a device in phase k is in every later phase', () => {
    for (let i = 0; i < 500; i++) {
      const id = `dev-${i}`
      if (inCohort([500, 2000, 10000], 0, 'dep-2', id)) expect(inCohort([500, 2000, 10000], 1, 'dep-2', id)).toBe(true)
    }
  })

  it('shuffles devices differently per deployment', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `dev-${i}`)
    const a = ids.filter(id => inCohort([1000], 0, 'dep-a', id))
    const b = ids.filter(id => inCohort([1000], 0, 'dep-b', id))
    expect(a).not.toEqual(b)
  })
})
