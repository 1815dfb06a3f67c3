import { ago, formatTable } from './server-client.js'
import type { DeviceView } from '../../coordinator/registry/index.js'

const TIERS: Record<number, string> = { 0: 'unknown', 1: 'full OS', 2: 'embedded Linux', 3: 'MCU', 4: 'sensor' }

const joinPairs = (labels: Record<string, string>): string => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')
const appsOf = (device: DeviceView): string => Object.entries(device.apps).map(([name, app]) => `${name}@${app.version}`).join(',')

export function formatDeviceTable (devices: DeviceView[], nowMs: number): string {
  if (devices.length === 0) return 'no devices match; devices appear when they join the mesh or are registered (fleets devices register)\n'
  const online = devices.filter(d => d.status === 'online').length
  return formatTable([
    ['ID', 'NAME', 'STATUS', 'LAST SEEN', 'PLATFORM', 'TIER', 'APPS', 'LABELS', 'GROUPS'],
    ...devices.map(d => [d.id, d.name || '-', d.status, ago(d.lastSeenMs, nowMs), d.platform || '-', String(d.tier || '-'),
      appsOf(d) || '-', joinPairs(d.labels) || '-', d.groups.join(',') || '-'])
  ]) + `${devices.length} devices, ${online} online\n`
}

export function formatDevice (d: DeviceView, nowMs: number): string {
  const lines = [
    ['id', d.id],
    ['name', d.name || '-'],
    ['status', `${d.status} (last seen ${ago(d.lastSeenMs, nowMs)})`],
    ['platform', d.platform || '-'],
    ['tier', `${d.tier} (${TIERS[d.tier] ?? '?'})`],
    ...(d.parent != null ? [['parent', d.parent]] : []),
    ['agent', d.agentVersion || '-'],
    ['health', d.health],
    ['labels', joinPairs(d.labels) || '-'],
    ['groups', d.groups.join(',') || '-'],
    ['addresses', d.addresses.join(' ') || '-'],
    ['source', d.source + (d.registeredBy != null ? ` (registered by ${d.registeredBy})` : '')]
  ]
  const apps = Object.entries(d.apps).map(([name, app]) =>
    `  ${name}@${app.version}  ${app.health}  step ${app.step}  deployment ${app.deploymentId}${app.errorCode != null ? `  ${app.errorCode}` : ''}`)
  return lines.map(([k, v]) => `${(k ?? '').padEnd(10)}${v ?? ''}`).join('\n') + '\n' + (apps.length > 0 ? `apps\n${apps.join('\n')}\n` : 'apps      none reported\n')
}
