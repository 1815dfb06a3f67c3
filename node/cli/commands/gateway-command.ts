import { rpcGet } from '../../rpc/index.js'
import { defaultStorageDir } from '../../storage/index.js'
import { parseFlags } from '../args.js'
import type { ChildDevice, PortStatus } from '../../../gateway/children/index.js'

export const GATEWAY_COMMAND_HELP = `Usage: fleet-node gateway [--storage-dir DIR] [--json]

Show the running gateway node's serial ports and its child devices (MCUs, LoRa end devices):
the port, the kind, the child on it and the firmware it runs, or why a port has none.
`

export async function gatewayCommand (argv: string[]): Promise<number> {
  const { values } = parseFlags('gateway', argv, {
    'storage-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }
  })
  if (values.help === true) { process.stdout.write(GATEWAY_COMMAND_HELP); return 0 }
  const view = await rpcGet<{ ports: PortStatus[], children: ChildDevice[] }>(values['storage-dir'] ?? defaultStorageDir(), '/v1/gateway')
  if (values.json === true) {
    process.stdout.write(JSON.stringify(view, null, 2) + '\n')
    return 0
  }
  if (view.ports.length === 0) {
    process.stdout.write('this node drives no serial ports (start it with fleet-node join --gateway PATH --mcu KIND)\n')
    return 0
  }
  const rows = [['PORT', 'KIND', 'CHILD', 'PLATFORM', 'FIRMWARE', 'NOTE'],
    ...view.children.map(c => [c.port, c.labels.mcu ?? '', c.id, c.platform, c.firmwareVersion === '' ? '-' : c.firmwareVersion, c.name]),
    ...view.ports.filter(p => p.error != null).map(p => [p.path, p.mcu, '-', '-', '-', p.error ?? ''])]
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map(r => (r[i] ?? '').length))) ?? []
  process.stdout.write(rows.map(r => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n')
  return 0
}
