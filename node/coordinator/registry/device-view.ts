import { z } from 'zod'
import { deviceAppSchema, deviceRecordSchema, healthSchema } from '../store/index.js'
import { deviceGroups } from '../../plans/index.js'
import type { DeviceRecord, Health } from '../store/index.js'

/** A device as the API shows it: the stored record plus merged labels, status and overall health. */
export const deviceViewSchema = deviceRecordSchema.omit({ announceSeq: true }).extend({
  /** Reported labels with assigned ones on top: what selectors match. */
  labels: z.record(z.string(), z.string()),
  status: z.enum(['online', 'offline']),
  /** Worst health over the device's apps; `unknown` without apps. */
  health: healthSchema,
  apps: z.record(z.string(), deviceAppSchema)
}).strict()
export type DeviceView = z.infer<typeof deviceViewSchema>

const HEALTH_RANK: Record<Health, number> = { unhealthy: 3, starting: 2, unknown: 1, healthy: 0 }

export function toDeviceView (record: DeviceRecord, lastSeenMs: number | null, nowMs: number, offlineAfterMs: number): DeviceView {
  const fields: Omit<DeviceRecord, 'announceSeq'> & { announceSeq?: number } = { ...record }
  delete fields.announceSeq
  const apps = Object.values(record.apps)
  const health = apps.length === 0
    ? 'unknown'
    : apps.map(app => app.health).reduce((worst, h) => (HEALTH_RANK[h] > HEALTH_RANK[worst] ? h : worst), 'healthy' as Health)
  return {
    ...fields,
    lastSeenMs,
    labels: { ...record.reportedLabels, ...record.assignedLabels },
    // The groups the device puts itself in (labels group/groups, what its plans match) and those an admin assigned.
    groups: [...new Set([...deviceGroups(record.reportedLabels), ...record.groups])],
    status: lastSeenMs != null && nowMs - lastSeenMs <= offlineAfterMs ? 'online' : 'offline',
    health
  }
}
