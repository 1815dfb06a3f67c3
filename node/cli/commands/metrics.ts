import { rpcGet } from '../../rpc/index.js'
import { defaultStorageDir } from '../../storage/index.js'
import { parseFlags } from '../args.js'
import { formatBytes } from './progress-line.js'
import type { DeviceMetrics } from '../../../proto/index.js'

export const METRICS_HELP = `Usage: fleet-node metrics [--storage-dir DIR] [--json]

This device's metrics as its node reports them (the DeviceMetrics message): CPU, memory, disk,
load, network interfaces, every app process (CPU, RSS, restarts, state), and the custom metrics
apps pushed to FLEET_METRICS_URL (POST /apps/<app>/metrics, JSON or Prometheus text).
`

export async function metricsCommand (argv: string[]): Promise<number> {
  const { values } = parseFlags('metrics', argv, { 'storage-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } })
  if (values.help === true) { process.stdout.write(METRICS_HELP); return 0 }
  const m = await rpcGet<Omit<DeviceMetrics, 'customMetrics'> & { customMetrics: Record<string, number> }>(values['storage-dir'] ?? defaultStorageDir(), '/v1/metrics')
  if (values.json === true) { process.stdout.write(JSON.stringify(m, null, 2) + '\n'); return 0 }
  const info = m.systemInfo
  const lines = [
    `${info?.hostname ?? '?'} (${info?.os ?? '?'} ${info?.kernel ?? ''} ${info?.arch ?? ''}, ${info?.cpuCount ?? '?'} CPUs)`,
    `cpu ${m.cpuPercent.toFixed(1)}%  memory ${formatBytes(m.memoryUsed)} of ${formatBytes(info?.memoryTotal ?? 0)}  disk ${formatBytes(m.diskUsed)} of ${formatBytes(info?.diskTotal ?? 0)}  load ${m.loadAverage?.load1.toFixed(2) ?? '?'}`
  ]
  for (const p of m.processes) lines.push(`  ${p.app}: pid ${p.pid} ${p.state}, cpu ${p.cpuPercent.toFixed(1)}%, rss ${formatBytes(p.memoryRss)}, restarts ${p.restarts}`)
  for (const [name, value] of Object.entries(m.customMetrics)) lines.push(`  ${name} = ${value}`)
  process.stdout.write(lines.join('\n') + '\n')
  return 0
}
