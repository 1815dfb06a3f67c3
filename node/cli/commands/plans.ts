import { rpcGet } from '../../rpc/index.js'
import { defaultStorageDir } from '../../storage/index.js'
import { parseFlags } from '../args.js'
import type { PlansView } from './join-plans.js'

export const PLANS_HELP = `Usage: fleet-node plans [--storage-dir DIR] [--json]

Show the deployment plans the running node holds (deployment, seq, app, version, cohort phase,
what this device did with it), its report outbox and delivery, and the plans it refused
(by reason, with the latest ones).
`

export async function plansCommand (argv: string[]): Promise<number> {
  const { values } = parseFlags('plans', argv, {
    'storage-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }
  })
  if (values.help === true) { process.stdout.write(PLANS_HELP); return 0 }
  const view = await rpcGet<PlansView>(values['storage-dir'] ?? defaultStorageDir(), '/v1/plans')
  process.stdout.write(values.json === true ? JSON.stringify(view, null, 2) + '\n' : renderPlans(view, Date.now()))
  return 0
}

export function renderPlans (v: PlansView, nowMs: number): string {
  const lines = [
    `device     ${v.device.id}  groups ${v.device.groups.join(',') || '-'}  labels ${Object.entries(v.device.labels).map(([k, x]) => `${k}=${x}`).join(',') || '-'}`,
    `plans (${v.plans.length})`
  ]
  for (const p of v.plans) {
    const applied = p.applied == null ? 'not acted on' : `seq ${p.applied.seq} ${p.applied.outcome}${p.applied.version != null ? ` ${p.applied.version}` : ''}`
    const version = p.rollbackTo != null ? `rollback to ${p.rollbackTo}` : p.version
    const expires = p.expiresMs <= nowMs ? 'expired' : `expires in ${Math.round((p.expiresMs - nowMs) / 60_000)}m`
    lines.push(`  ${p.deploymentId}#${p.seq}  ${p.app}@${version}  phase ${p.phase} (${p.phaseBasisPoints / 100}%)  target ${p.target}  ${expires}  applied: ${applied}`)
  }
  lines.push(`reports    ${v.outbox.pending} pending (${v.outbox.bytes} bytes), ${v.outbox.dropped} dropped; ${v.sender.delivered} delivered, ${v.sender.failures} failed deliveries${v.sender.lastError != null ? ` (last: ${v.sender.lastError})` : ''}`)
  const reasons = Object.entries(v.rejected)
  lines.push(`refused    ${reasons.length === 0 ? 'none' : reasons.map(([r, n]) => `${r} ${n}`).join(', ')}`)
  for (const r of v.recentRejections.slice(-5)) lines.push(`  ${Math.round((nowMs - r.atMs) / 1000)}s ago from ${r.from} (${r.source}): ${r.reason}: ${r.message}`)
  return lines.join('\n') + '\n'
}
