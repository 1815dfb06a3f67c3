import { rpcGet } from '../../rpc/index.js'
import { defaultStorageDir } from '../../storage/index.js'
import { parseFlags } from '../args.js'
import type { PresenceEntry } from '../../mesh/index.js'

export const PEERS_HELP = `Usage: fleet-node peers [--storage-dir DIR] [--json]

List the fleet members this node has heard on the fleet topic: name, platform, status
(online until three heartbeats are missed), labels and when it was last heard.
`

export async function peersCommand (argv: string[]): Promise<number> {
  const { values } = parseFlags('peers', argv, {
    'storage-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }
  })
  if (values.help === true) { process.stdout.write(PEERS_HELP); return 0 }
  const peers = await rpcGet<PresenceEntry[]>(values['storage-dir'] ?? defaultStorageDir(), '/v1/peers')
  if (values.json === true) {
    process.stdout.write(JSON.stringify(peers, null, 2) + '\n')
    return 0
  }
  const nowMs = Date.now()
  const rows = [['DEVICE', 'NAME', 'PLATFORM', 'TIER', 'STATUS', 'LAST SEEN', 'LABELS'],
    ...peers.map(p => [p.deviceId, p.name === '' ? '?' : p.name, p.platform, String(p.tier), p.status,
      `${Math.round((nowMs - p.lastSeenMs) / 1000)}s ago`, Object.entries(p.labels).map(([k, v]) => `${k}=${v}`).join(',')])]
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map(r => (r[i] ?? '').length))) ?? []
  process.stdout.write(rows.map(r => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n')
  return 0
}
