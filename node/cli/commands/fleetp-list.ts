import { formatBytes, listDrives, visibleDrives } from '../../provision/index.js'
import { parseFlags } from '../args.js'
import { normaliseLongFlags } from './fleetp-flags.js'
import type { DriveInfo } from '../../provision/index.js'

export const LIST_HELP = `Usage: fleetp list [--all] [--json]

The drives an SD card or USB stick could be: size, model, bus, mount state. The system disk
and virtual devices are hidden unless --all.

Options:
  --all     show every drive, system disks included (marked SYSTEM; fleetp never writes them)
  --json    print the drives as JSON (drivelist's fields)
`

export async function fleetpListCommand (argv: string[], drives: () => Promise<DriveInfo[]> = listDrives): Promise<number> {
  const { values } = parseFlags('list', normaliseLongFlags(argv), { all: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } })
  if (values.help === true) { process.stdout.write(LIST_HELP); return 0 }
  const shown = visibleDrives(await drives(), { all: values.all === true })
  if (values.json === true) { process.stdout.write(JSON.stringify(shown, null, 2) + '\n'); return 0 }
  process.stdout.write(formatDriveTable(shown, values.all === true))
  return 0
}

export function formatDriveTable (drives: readonly DriveInfo[], all: boolean): string {
  if (drives.length === 0) {
    return all ? 'no drives found\n' : 'no removable drives found (insert an SD card; --all shows system disks too)\n'
  }
  const rows = drives.map(d => [
    d.device, d.size != null ? formatBytes(d.size) : '-', d.description === '' ? '-' : d.description,
    [d.isCard === true ? 'card' : undefined, d.isUSB === true ? 'usb' : undefined, d.isRemovable ? 'removable' : undefined, d.isSystem ? 'SYSTEM' : undefined, d.isReadOnly ? 'read-only' : undefined].filter(Boolean).join(',') || '-',
    d.mountpoints.length > 0 ? d.mountpoints.map(m => m.path).join(',') : '-'
  ])
  const head = ['DEVICE', 'SIZE', 'MODEL', 'KIND', 'MOUNTED']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]?.length ?? 0)))
  const line = (r: string[]): string => r.map((c, i) => i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)).join('  ')
  return [line(head), ...rows.map(line)].join('\n') + '\n'
}
