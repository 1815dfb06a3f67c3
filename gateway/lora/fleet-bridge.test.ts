import { describe, expect, it } from 'vitest'
import { Health } from '../../proto/generated/report.js'
import { childrenToUpdate, fuotaReports } from './fleet-bridge.js'
import type { LoraChild } from './fleet-bridge.js'
import type { FuotaResult } from './fuota-session.js'

const children: LoraChild[] = Array.from({ length: 400 }, (_, i) => ({ deviceId: `lora-${i}`, devAddr: 0x26000000 + i, firmwareVersion: 1 }))

describe('LoRa children in rollouts', () => {
  it('picks canary phases by the fleet cohort rule: growing, nested, and skipping devices already updated', () => {
    const phases = [500, 2_500, 10_000]
    const canary = childrenToUpdate(children, phases, 0, 'dep-1', 2)
    const wider = childrenToUpdate(children, phases, 1, 'dep-1', 2)
    const all = childrenToUpdate(children, phases, 2, 'dep-1', 2)
    expect(canary.length).toBeGreaterThan(5)
    expect(canary.length).toBeLessThan(40) // ~5% of 400
    expect(wider.length).toBeGreaterThan(canary.length)
    for (const c of canary) expect(wider).toContain(c)
    expect(all).toHaveLength(400)
    const updated = children.map(c => canary.includes(c) ? { ...c, firmwareVersion: 2 } : c)
    expect(childrenToUpdate(updated, phases, 1, 'dep-1', 2)).toHaveLength(wider.length - canary.length)
    expect(childrenToUpdate(children, phases, 0, 'dep-2', 2)).not.toEqual(canary) // each deployment shuffles
  })

  it('turns a FUOTA result into the reports the rollout controller reads', () => {
    const result: FuotaResult = {
      nbFrag: 432, fragSize: 239, fragmentsSent: 508, downlinks: 530, airtimeMs: 200_000, elapsedMs: 2_000_000, rounds: 2, initialEtaMs: 1_900_000,
      devices: new Map([[children[0]!.devAddr, 'installed'], [children[1]!.devAddr, 'bad-signature'], [children[2]!.devAddr, 'no-report']]),
      missing: new Map([[children[2]!.devAddr, 17]])
    }
    const reports = fuotaReports(result, children.slice(0, 4), { deploymentId: 'dep-1', planSeq: 3, appVersion: '1.0.1' })
    expect(reports[0]).toMatchObject({ deviceId: 'lora-0', step: 'switch', health: Health.HEALTHY, appVersion: '1.0.1' })
    expect(reports[1]).toMatchObject({ step: 'apply', health: Health.UNHEALTHY, errorCode: 'FLEET_ERR_LORA_FIRMWARE_REJECTED' })
    expect(reports[1]!.errorMessage).toContain('bad-signature')
    expect(reports[2]).toMatchObject({ errorCode: 'FLEET_ERR_LORA_FRAGMENTS_MISSING' })
    expect(reports[2]!.errorMessage).toContain('17 fragments still missing')
    expect(reports[3]).toMatchObject({ errorCode: 'FLEET_ERR_LORA_FRAGMENTS_MISSING' }) // not in the result at all
    expect(reports[0]!.metrics.get('lora.fragmentsSent')).toBe(508)
  })
})
