/**
 * An OTA result as a device report (DESIGN "DeviceReport"): the coordinator's rollout logic
 * reads an MCU's outcome exactly as it reads a Linux node's.
 */
import { Health } from '../../proto/generated/report.js'
import type { DeviceReport } from '../../proto/generated/report.js'
import type { OtaResult } from './ota.js'

export type McuReport = Pick<DeviceReport, 'deploymentId' | 'planSeq' | 'step' | 'health' | 'appVersion' | 'errorCode' | 'errorMessage'> & { metrics: Map<string, number> }

export function otaReport (result: OtaResult, plan: { deploymentId: string, planSeq: number }): McuReport {
  const ok = result.outcome === 'updated' || result.outcome === 'already-current'
  return {
    deploymentId: plan.deploymentId,
    planSeq: plan.planSeq,
    // 'switch' is what a Linux node reports once the new version runs healthy; 'apply' a failure.
    step: ok ? 'switch' : 'apply',
    health: ok ? Health.HEALTHY : result.outcome === 'rolled-back' ? Health.UNHEALTHY : Health.UNKNOWN,
    appVersion: result.runningVersion,
    errorCode: ok ? '' : result.errorCode ?? 'FLEET_ERR_BRIDGE_OTA',
    errorMessage: ok ? '' : result.errorMessage ?? '',
    metrics: new Map([
      ['ota.bytes_sent', result.bytesSent],
      ['ota.retransmitted_bytes', result.retransmittedBytes],
      ['ota.resumes', result.resumes],
      ['ota.transfer_ms', result.transferMs]
    ])
  }
}
