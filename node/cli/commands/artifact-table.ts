/** Text rendering shared by the artifact commands of `fleets` and `fleet-node`. */
import { formatBytes } from './progress-line.js'
import type { ArtifactDetails, ArtifactEntry, ArtifactListing, StoreUsage } from '../../../content/service/index.js'

/** Left-aligned columns two spaces apart, trailing spaces trimmed. */
export function formatTable (rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map(r => (r[i] ?? '').length))) ?? []
  return rows.map(r => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n'
}

export function renderListing (list: ArtifactListing): string {
  const lines: string[] = []
  if (list.artifacts.length === 0) {
    lines.push('no artifacts on this node; publish one with fleets artifact upload, or fetch one with fleet-node artifact fetch\n')
  } else {
    lines.push(formatTable([
      ['NAME', 'VERSION', 'PLATFORMS', 'TYPE', 'SIZE', 'CID', 'SIGNED BY', 'PINS'],
      ...list.artifacts.map(a => [
        a.manifest.name, a.manifest.version, a.manifest.platforms.join(','), a.manifest.type, formatBytes(a.manifest.size),
        a.manifest.cid, a.manifest.signatures.map(s => s.keyId).join(','), pinsColumn(a)
      ])
    ]))
  }
  lines.push(`block store: ${list.disk.blocks} blocks, ${formatBytes(list.disk.bytes)}; files: ${list.files.count}, ${formatBytes(list.files.bytes)}\n`)
  lines.push(`gc keeps running, planned and manually pinned versions and the newest ${list.retainPerApp} previous version(s) of each app\n`)
  return lines.join('')
}

function pinsColumn (a: ArtifactEntry): string {
  const pins = a.pins.length === 0 ? 'none' : a.pins.join(',')
  return a.retained ? pins : `${pins} (gc removes it)`
}

export function renderDetails (d: ArtifactDetails): string {
  const m = d.manifest
  const trusted = new Set(d.signature.keyIds)
  const rows: string[][] = [
    ['artifact', d.ref],
    ['cid', m.cid],
    ['type', m.type],
    ['platforms', m.platforms.join(', ')],
    ['size', `${formatBytes(m.size)} (${m.size} bytes)`],
    ['sha256', m.sha256],
    ['created', `${new Date(m.createdMs).toISOString()} (${m.createdMs})`],
    ...m.signatures.map((s, i) => [i === 0 ? 'signatures' : '', `${s.keyId} ${trusted.has(s.keyId) ? '(trusted by this node)' : '(not trusted by this node)'} ${s.signature}`]),
    ['pins', d.pinned.length === 0 ? 'none' : d.pinned.map(p => `${p.reason} since ${new Date(p.atMs).toISOString()}`).join(', ')],
    ['retained', d.retained ? 'yes' : 'no: the next fleet-node artifact gc removes it'],
    ['blocks', `${d.blocks.total - d.blocks.missing} of ${d.blocks.total} on disk${d.complete ? ' (complete)' : `, ${d.blocks.missing} missing: fetch it again to complete it`}`],
    ['file', d.fileBytes != null ? `${d.path} (${formatBytes(d.fileBytes)})` : `${d.path} (not materialised: this node holds the blocks; fleet-node artifact fetch writes the file)`]
  ]
  if (!d.signature.ok) rows.push(['signature', `NOT VALID here: ${d.signature.message ?? 'no trusted signature'}`])
  if (d.sameCid.length > 0) rows.push(['same cid', d.sameCid.join(', ')])
  return formatTable(rows)
}

export function renderUsage (u: StoreUsage): string {
  return `${u.blocks} blocks, ${formatBytes(u.bytes)}; files: ${u.files}, ${formatBytes(u.fileBytes)}`
}
