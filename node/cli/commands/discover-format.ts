/** Text rendering of `fleets discover`: one table per kind of finding, rows sorted by the browse. */
import { formatTable } from './artifact-table.js'
import type { BrowseResult, BrowseTarget, FleetNodeSighting, ServiceInstance } from '../../discovery/index.js'

export function renderDiscovery (result: BrowseResult, mode: BrowseTarget, timeoutMs: number): string {
  const within = `within ${formatSeconds(timeoutMs)}`
  const parts: string[] = []
  if (mode.kind !== 'service') {
    parts.push(result.nodes.length === 0
      ? `no FleetD nodes answered ${within} (fleet-node join announces itself unless started with --no-mdns)\n`
      : nodeTable(result.nodes))
  }
  if (mode.kind === 'service' && result.nodes.length > 0) parts.push(nodeTable(result.nodes))
  if (mode.kind === 'service' && result.nodes.length === 0 && result.services.length === 0) {
    parts.push(`no ${mode.type} instances answered ${within}\n`)
  } else if (mode.kind !== 'fleet' && result.services.length > 0) {
    parts.push(serviceTable(result.services, mode.kind === 'all'))
  }
  if (mode.kind === 'all') {
    parts.push(result.types.length === 0 ? `no service types announced ${within}\n` : `service types: ${result.types.join(' ')}\n`)
  }
  return parts.join('\n')
}

function nodeTable (nodes: readonly FleetNodeSighting[]): string {
  const withTxt = nodes.some(n => Object.keys(n.txt).length > 0)
  return formatTable([
    ['PEER ID', 'ADDRESSES', ...(withTxt ? ['TXT'] : [])],
    ...nodes.map(n => [n.peerId, n.addresses.join(','), ...(withTxt ? [txtColumn(n.txt)] : [])])
  ])
}

function serviceTable (services: readonly ServiceInstance[], withType: boolean): string {
  return formatTable([
    [...(withType ? ['TYPE'] : []), 'NAME', 'HOST', 'PORT', 'ADDRESSES', 'TXT'],
    ...services.map(s => [
      ...(withType ? [s.type] : []), s.name, s.host ?? '?', s.port == null ? '?' : String(s.port),
      s.addresses.length === 0 ? '?' : s.addresses.join(','), txtColumn(s.txt)
    ])
  ])
}

function txtColumn (txt: Record<string, string>): string {
  return Object.entries(txt).map(([k, v]) => v === '' ? k : `${k}=${v}`).join(' ')
}

function formatSeconds (ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`
}
