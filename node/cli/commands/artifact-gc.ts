import { rpcStream } from '../../rpc/index.js'
import { defaultStorageDir } from '../../storage/index.js'
import { parseFlags } from '../args.js'
import { renderUsage } from './artifact-table.js'
import { formatBytes } from './progress-line.js'
import type { GcReport } from '../../../content/service/index.js'

export const GC_HELP = `Usage: fleet-node artifact gc [--dry-run] [--storage-dir DIR] [--json]

Collect what no pin keeps: every block outside the DAGs of running, planned and manually pinned
versions and of the newest N previous versions of each app (N is fleet-node join
--retain-versions, default 2), and the manifests and files of versions no pin keeps. Waits
for running imports and fetches, and holds new ones off while it runs.

  --dry-run   report what would be collected; change nothing
  --json      print the whole report (deleted block CIDs, removed versions, usage before/after)
`

/** Block CIDs printed in text output; --json lists up to the service's limit. */
const CIDS_SHOWN_MAX = 20

export async function artifactGc (argv: string[]): Promise<number> {
  const { values } = parseFlags('artifact gc', argv, {
    'storage-dir': { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }
  })
  if (values.help === true) { process.stdout.write(GC_HELP); return 0 }
  let report: GcReport | undefined
  for await (const line of rpcStream<GcReport>(values['storage-dir'] ?? defaultStorageDir(), '/v1/artifacts/gc', { dryRun: values['dry-run'] === true })) report = line
  if (report == null) throw new Error('the node ended gc without a report; see its log')
  process.stdout.write(values.json === true ? JSON.stringify(report, null, 2) + '\n' : renderGc(report))
  return 0
}

export function renderGc (r: GcReport): string {
  const verb = r.dryRun ? 'would delete' : 'deleted'
  const lines = [`${r.dryRun ? 'dry run: ' : ''}${verb} ${r.deletedBlocks} blocks (${formatBytes(r.freedBytes)})`]
  for (const cid of r.deletedCids.slice(0, CIDS_SHOWN_MAX)) lines.push(`  ${cid}`)
  if (r.deletedBlocks > CIDS_SHOWN_MAX) lines.push(`  … and ${r.deletedBlocks - CIDS_SHOWN_MAX} more (--json lists ${r.deletedCids.length})`)
  for (const a of r.removedArtifacts) lines.push(`${r.dryRun ? 'would remove' : 'removed'} ${a.ref} (${a.cid}${a.fileBytes > 0 ? `, file ${formatBytes(a.fileBytes)}` : ''})`)
  const kept = [...new Set(r.retained.map(p => `${p.app}@${p.version} (${p.reason})`))]
  lines.push(`kept ${kept.length === 0 ? 'nothing: no pins' : kept.join(', ')}`)
  lines.push(`before: ${renderUsage(r.before)}`)
  lines.push(`${r.dryRun ? 'after (predicted)' : 'after'}: ${renderUsage(r.after)}`)
  return lines.join('\n') + '\n'
}
