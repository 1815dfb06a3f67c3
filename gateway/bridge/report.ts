/**
 * An OTA result as a device report (DESIGN "DeviceReport"): the draft a gateway appends to its
 * report outbox on behalf of the MCU (`deviceId` = the MCU's id), so the coordinator's rollout
 * logic reads an MCU's outcome exactly as it reads a Linux node's.
 */
import { Health } from '../../proto/generated/report.js'
import type { ReportDraft } from '../../node/plans/index.js'
import type { OtaResult } from './ota.js'

export function otaReport (result: OtaResult, plan: { deploymentId: string, planSeq: number, deviceId?: string }): ReportDraft {
  const ok = result.outcome === 'updated' || result.outcome === 'already-current'
  return {
    deploymentId: plan.deploymentId,
    planSeq: plan.planSeq,
    ...(plan.deviceId === undefined ? {} : { deviceId: plan.deviceId }),
    // 'switch' is what a Linux node reports once the new version runs healthy; 'apply' a failure.
    step: ok ? 'switch' : 'apply',
    health: ok ? Health.HEALTHY : result.outcome === 'rolled-back' ? Health.UNHEALTHY : Health.UNKNOWN,
    appVersion: result.runningVersion,
    ...(ok ? {} : { errorCode: result.errorCode ?? 'FLEET_ERR_BRIDGE_OTA', errorMessage: result.errorMessage ?? '' }),
    metrics: {
      'ota.bytes_sent': result.bytesSent,
      'ota.retransmitted_bytes': result.retransmittedBytes,
      'ota.resumes': result.resumes,
      'ota.transfer_ms': result.transferMs
    }
  }
}
