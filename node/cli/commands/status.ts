import { rpcGet } from '../../rpc/index.js'
import { defaultStorageDir } from '../../storage/index.js'
import { parseFlags } from '../args.js'
import type { MeshStatus } from '../../mesh/index.js'

export const STATUS_HELP = `Usage: fleet-node status [--storage-dir DIR] [--json]

Show the running node's peer ID, fleet, addresses, connections and the fleet members it sees.
`

export async function statusCommand (argv: string[]): Promise<number> {
  const { values } = parseFlags('status', argv, {
    'storage-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }
  })
  if (values.help === true) { process.stdout.write(STATUS_HELP); return 0 }
  const status = await rpcGet<MeshStatus>(values['storage-dir'] ?? defaultStorageDir(), '/v1/status')
  process.stdout.write(values.json === true ? JSON.stringify(status, null, 2) + '\n' : renderStatus(status, Date.now()))
  return 0
}

export function renderStatus (s: MeshStatus, nowMs: number): string {
  const lines = [
    `peer       ${s.peerId}`,
    `fleet      ${s.fleetId ?? '(none: started without a join token)'}`,
    `name       ${s.name}`,
    `version    ${s.agentVersion}`,
    `uptime     ${formatAge(nowMs - s.startedMs)}`,
    `mdns       ${s.mdns ? 'on' : 'off'}`,
    'addresses',
    ...s.addresses.map(a => `  ${a}`),
    `connections (${s.connections.length})`,
    ...s.connections.map(c => `  ${c.peerId}  ${c.direction.padEnd(8)}  ${c.remoteAddr}`),
    `fleet members seen (${s.peers.length}, ${s.peers.filter(p => p.status === 'online').length} online)`,
    ...s.peers.map(p => `  ${p.deviceId}  ${(p.name === '' ? '?' : p.name).padEnd(16)}  ${p.status.padEnd(7)}  seen ${formatAge(nowMs - p.lastSeenMs)} ago  ${Object.entries(p.labels).map(([k, v]) => `${k}=${v}`).join(',')}`)
  ]
  if (s.refusals.total > 0) {
    lines.push(`refused connections (${s.refusals.total}, latest ${s.refusals.recent.length})`)
    for (const r of s.refusals.recent.slice(-5)) lines.push(`  ${formatAge(nowMs - r.atMs)} ago  ${r.direction} ${r.remoteAddr}: ${r.reason}`)
  }
  return lines.join('\n') + '\n'
}

function formatAge (ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 120) return `${s}s`
  if (s < 7200) return `${Math.round(s / 60)}m`
  return `${Math.round(s / 3600)}h`
}
