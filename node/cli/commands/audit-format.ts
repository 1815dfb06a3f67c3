import { formatTable } from './server-client.js'
import type { AuditEntry } from '../../coordinator/store/index.js'

export function formatAuditTable (entries: AuditEntry[]): string {
  if (entries.length === 0) return 'no audit entries\n'
  return formatTable([
    ['INDEX', 'TIME', 'ACTOR', 'ACTION', 'DEPLOYMENT', 'ARTIFACT', 'SIGNED', 'SCAN', 'DETAIL'],
    ...entries.map(e => [
      String(e.index), new Date(e.atMs).toISOString(), e.actor, e.action, e.deploymentId ?? '-', e.artifactVersion ?? '-',
      e.signatureVerified == null ? '-' : e.signatureVerified ? 'yes' : 'NO', e.scanResult ?? '-',
      [e.rollbackReason != null ? `rollback: ${e.rollbackReason}` : '', JSON.stringify(e.detail)].filter(Boolean).join(' ')
    ])
  ])
}
