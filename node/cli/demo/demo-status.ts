/** The demo's compact status: one line for the deployment, one per device. */
import { parseDeploymentSpec, rolloutPhases } from '../../coordinator/rollout/index.js'
import { SAMPLE_APP } from './sample-app.js'
import type { DeploymentView } from './demo-rollout.js'
import type { DeviceView } from '../../coordinator/registry/index.js'

export function formatDeployment ({ deployment: d, counts }: DeploymentView): string {
  let phase = `phase ${d.phase + 1}`
  try {
    const phases = rolloutPhases(parseDeploymentSpec(d.spec))
    phase = `phase ${Math.min(d.phase, phases.length - 1) + 1}/${phases.length} (${phases[d.phase]?.name ?? 'done'})`
  } catch {}
  const tally = (by: Record<string, number>): string => Object.entries(by).sort().map(([k, n]) => `${k}×${n}`).join(' ') || '-'
  return `${d.strategy} ${d.id} of ${d.app} ${d.rollbackTo != null ? `${d.rollbackTo} → ` : ''}${d.artifact.version}: ${d.state}, ${phase}` +
    ` | reports from ${counts.devices} devices: versions ${tally(counts.byVersion)}, health ${tally(counts.byHealth)}${counts.errors > 0 ? `, ${counts.errors} errors` : ''}`
}

export function formatDevices (devices: DeviceView[]): string {
  const rows = [...devices].sort((a, b) => a.name.localeCompare(b.name)).map(d => {
    const app = d.apps[SAMPLE_APP]
    return `  ${d.name.padEnd(8)} ${d.status.padEnd(7)} ${SAMPLE_APP} ${(app?.version ?? '-').padEnd(6)} ${(app?.health ?? 'unknown').padEnd(9)} ${d.id}`
  })
  return rows.join('\n')
}
