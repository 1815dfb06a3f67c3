/** Pure record updates of the registry: from presence, from reports, for a new device. */
import { Health } from '../../../proto/index.js'
import type { DeviceRecord, ReportRecord } from '../store/index.js'
import type { PresenceInput } from './index.js'
import type { DeviceReport } from '../../../proto/index.js'

const HEALTH: Record<Health, ReportRecord['health']> = {
  [Health.HEALTHY]: 'healthy',
  [Health.UNHEALTHY]: 'unhealthy',
  [Health.STARTING]: 'starting',
  [Health.UNKNOWN]: 'unknown',
  [Health.HEALTH_UNSPECIFIED]: 'unknown'
}

export function deviceFromReport (id: string, nowMs: number): DeviceRecord {
  return {
    id, name: '', platform: '', tier: 0, agentVersion: '', addresses: [], reportedLabels: {}, assignedLabels: {}, groups: [],
    source: 'report', firstSeenMs: nowMs, lastSeenMs: nowMs, announceSeq: 0, apps: {}
  }
}

export function deviceFromPresence (entry: PresenceInput): DeviceRecord {
  return mergePresence({ ...deviceFromReport(entry.deviceId, entry.firstSeenMs), source: 'presence' }, entry)
}

/** Fields a device announces replace the stored ones only when an announcement carried them. */
export function mergePresence (stored: DeviceRecord, entry: PresenceInput): DeviceRecord {
  const announced = entry.announced && entry.announceSeq >= stored.announceSeq
  return {
    ...stored,
    ...(announced
      ? {
          name: entry.name,
          platform: entry.platform,
          tier: entry.tier,
          agentVersion: entry.agentVersion,
          addresses: entry.addresses.slice(0, 16),
          reportedLabels: { ...entry.labels },
          announceSeq: entry.announceSeq,
          ...(entry.parent != null ? { parent: entry.parent } : {})
        }
      : {}),
    firstSeenMs: stored.firstSeenMs ?? entry.firstSeenMs,
    lastSeenMs: Math.max(stored.lastSeenMs ?? 0, entry.lastSeenMs)
  }
}

export function reportRecordOf (report: DeviceReport, receivedMs: number): ReportRecord {
  const metrics = report.metrics instanceof Map ? Object.fromEntries(report.metrics) : { ...(report.metrics as Record<string, number>) }
  return {
    deploymentId: report.deploymentId,
    deviceId: report.deviceId,
    planSeq: report.planSeq,
    step: report.step,
    appVersion: report.appVersion,
    health: HEALTH[report.health] ?? 'unknown',
    ...(report.errorCode !== '' ? { errorCode: report.errorCode } : {}),
    ...(report.errorMessage !== '' ? { errorMessage: report.errorMessage } : {}),
    metrics: Object.fromEntries(Object.entries(metrics).filter(([, v]) => Number.isFinite(v))),
    sentMs: report.sentMs,
    seq: report.seq,
    receivedMs
  }
}

export function applyReportToDevice (device: DeviceRecord, app: string, report: ReportRecord): DeviceRecord {
  return {
    ...device,
    apps: {
      ...device.apps,
      [app]: {
        version: report.appVersion,
        health: report.health,
        deploymentId: report.deploymentId,
        step: report.step,
        atMs: report.sentMs,
        ...(report.errorCode != null ? { errorCode: report.errorCode } : {})
      }
    }
  }
}
