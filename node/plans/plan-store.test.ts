import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodePlan } from '../../proto/index.js'
import { signingKey, testPlan } from '../../test/plans/plan-fixtures.js'
import { openPlanStore, planDigest, PlanStoreError, planStorePath, signPlan } from './index.js'
import type { SignedPlan } from '../../proto/index.js'

async function signed (overrides: Parameters<typeof testPlan>[0]): Promise<SignedPlan> {
  const { key } = await signingKey()
  return await signPlan(testPlan(overrides), key)
}

describe('plan store', () => {
  it('keeps the newest plan per deployment and the applied seq across a reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetd-plan-store-'))
    const store = await openPlanStore(dir)
    const one = await signed({ seq: 1 })
    const three = await signed({ seq: 3 })
    expect(store.put(three, decodePlan(three.plan)).stored).toBe(true)
    expect(store.put(one, decodePlan(one.plan)).stored).toBe(false)
    expect(store.holds(planDigest(three.plan))).toBe(true)
    await store.setApplied('dep-9', { seq: 5, outcome: 'applied', app: 'edge-app', version: '1.0.0', atMs: 1 })
    await store.flushed()

    const reopened = await openPlanStore(dir)
    expect(reopened.get('dep-1')?.seq).toBe(3)
    expect(reopened.holds(planDigest(three.plan))).toBe(true)
    expect(reopened.lastSeq('dep-9')).toBe(5)
    expect(reopened.summary()).toEqual([{ deploymentId: 'dep-1', seq: 3 }, { deploymentId: 'dep-9', seq: 5 }])
    expect(reopened.deploymentOfApp('edge-app')?.deploymentId).toBe('dep-9')
  })

  it('drops the plans that expire first past its bound', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetd-plan-store-'))
    const store = await openPlanStore(dir, { deploymentsMax: 2 })
    const nowMs = Date.now()
    for (const [id, ttl] of [['a', 3], ['b', 1], ['c', 2]] as const) {
      const s = await signed({ deploymentId: id, expiresMs: nowMs + ttl * 60_000, issuedMs: nowMs })
      store.put(s, decodePlan(s.plan))
    }
    expect(store.list().map(h => h.deploymentId)).toEqual(['a', 'c'])
  })

  it('names the file and what to do when it is damaged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetd-plan-store-'))
    const store = await openPlanStore(dir)
    const s = await signed({})
    await store.put(s, decodePlan(s.plan)).written
    expect(JSON.parse(await readFile(planStorePath(dir), 'utf8'))).toMatchObject({ format: 1 })
    await writeFile(planStorePath(dir), '{"format":1,"plans":[{"signedPlan":"!!"')
    const failure = await openPlanStore(dir).catch((err: unknown) => err as PlanStoreError)
    expect(failure).toBeInstanceOf(PlanStoreError)
    expect((failure as PlanStoreError).message).toMatch(/plans\.json is not valid .* move it aside and restart/)
  })
})
