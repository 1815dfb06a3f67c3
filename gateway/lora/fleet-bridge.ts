/**
 * Where LoRa devices meet the fleet's rollouts: which LoRa children of a gateway are in a plan's
 * phase (the same cohort rule every node computes, so a canary phase picks the same devices the
 * coordinator counts), and the DeviceReports a gateway files for them from a FUOTA result, in
 * the shape the plan applier uses for any device (`switch`/HEALTHY on success, `apply`/UNHEALTHY
 * with a stable code otherwise), so the rollout controller advances or rolls back on them.
 */
import { inCohort } from '../../node/plans/cohort.js'
import { Health } from '../../proto/generated/report.js'
import type { DeviceReport } from '../../proto/generated/report.js'
import { LoraFirmwareRejectedError, LoraFragmentsMissingError, LoraModemError } from './errors.js'
import type { FuotaResult } from './fuota-session.js'

export interface LoraChild {
  /** The child's fleet device id (what cohort hashing and reports use). */
  deviceId: string
  devAddr: number
  /** Monotonic firmware version the device runs (the envelope's version counter). */
  firmwareVersion: number
}

/** Children in (cumulative) phase `phase` of a deployment's cohort rule. */
export function childrenInCohort<C extends LoraChild> (children: readonly C[], phaseBasisPoints: readonly number[], phase: number, deploymentId: string): C[] {
  return children.filter(c => inCohort(phaseBasisPoints, phase, deploymentId, c.deviceId))
}

/** Children in (cumulative) phase `phase` that do not run `targetVersion` yet: one multicast group per phase. */
export function childrenToUpdate<C extends LoraChild> (children: readonly C[], phaseBasisPoints: readonly number[], phase: number, deploymentId: string, targetVersion: number): C[] {
  return childrenInCohort(children, phaseBasisPoints, phase, deploymentId).filter(c => c.firmwareVersion !== targetVersion)
}

export type LoraReport = Pick<DeviceReport, 'deviceId' | 'deploymentId' | 'planSeq' | 'step' | 'appVersion' | 'health' | 'errorCode' | 'errorMessage' | 'metrics'>

export function fuotaReports (result: FuotaResult, children: readonly LoraChild[], at: { deploymentId: string, planSeq: number, appVersion: string }): LoraReport[] {
  return children.map((child) => {
    const outcome = result.devices.get(child.devAddr) ?? 'no-report'
    const metrics = new Map<string, number>([
      ['lora.fragmentsSent', result.fragmentsSent], ['lora.nbFrag', result.nbFrag], ['lora.airtimeMs', result.airtimeMs], ['lora.elapsedMs', result.elapsedMs]
    ])
    const base = { deviceId: child.deviceId, deploymentId: at.deploymentId, planSeq: at.planSeq, metrics }
    if (outcome === 'installed') return { ...base, step: 'switch', appVersion: at.appVersion, health: Health.HEALTHY, errorCode: '', errorMessage: '' }
    const missing = result.missing.get(child.devAddr)
    const [code, message] = outcome === 'no-report'
      ? [LoraFragmentsMissingError.code, `no install report after ${result.rounds} rounds${missing !== undefined ? `; ${missing} fragments still missing` : ''}: raise the redundancy or the round limit, or check the device's link`]
      : outcome === 'unreachable'
        ? [LoraModemError.code, 'the device never answered the session setup: check that it is joined and in range']
        : [LoraFirmwareRejectedError.code, `the device refused the firmware: ${outcome}`]
    return { ...base, step: 'apply', appVersion: '', health: Health.UNHEALTHY, errorCode: code, errorMessage: message }
  })
}
