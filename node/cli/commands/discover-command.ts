import { BROWSE_TIMEOUT_MS_DEFAULT, BROWSE_TIMEOUT_MS_MAX, BROWSE_TIMEOUT_MS_MIN, discovery, multicastDnsSocket, serviceTypeFqdn, serviceTypeLabel } from '../../discovery/index.js'
import { systemClock } from '../../ports/index.js'
import { parseFlags, UsageError } from '../args.js'
import { renderDiscovery } from './discover-format.js'
import { parseDurationMs } from './flag-units.js'
import type { BrowseTarget } from '../../discovery/index.js'

export const DISCOVER_HELP = `Usage: fleets discover [--all | --service TYPE] [--timeout 3s] [--json]

List what announces itself over mDNS on this machine's LAN, by asking once and listening.

  (no flag)         FleetD nodes (fleet-node join with mDNS on): peer id and addresses
  --service TYPE    instances of one DNS-SD service type, e.g. _ssh._tcp, _http._tcp:
                    name, host, port, addresses and TXT attributes
  --all             every service type on the LAN and its instances, FleetD nodes included:
                    devices that have not joined yet (a freshly flashed Raspberry Pi
                    announcing _ssh._tcp or _workstation._tcp) show up here
  --timeout D       how long to listen, ${BROWSE_TIMEOUT_MS_MIN}ms to ${BROWSE_TIMEOUT_MS_MAX / 1000}s (default ${BROWSE_TIMEOUT_MS_DEFAULT / 1000}s)
  --json            { timeoutMs, types, nodes, services, recordsDropped } for scripts

Sends mDNS queries (UDP 5353, 224.0.0.251) on every IPv4 interface. Exit codes: 0 done (also
when nothing answered), 1 the mDNS socket could not be opened or used, 2 wrong usage.
`

export async function discoverCommand (argv: string[]): Promise<number> {
  const { values } = parseFlags('discover', argv, {
    all: { type: 'boolean' }, service: { type: 'string' }, timeout: { type: 'string' },
    json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }
  })
  if (values.help === true) { process.stdout.write(DISCOVER_HELP); return 0 }
  const mode = discoverMode(values.all === true, values.service)
  const timeoutMs = values.timeout == null ? BROWSE_TIMEOUT_MS_DEFAULT : parseDurationMs('discover', 'timeout', values.timeout)
  if (timeoutMs < BROWSE_TIMEOUT_MS_MIN || timeoutMs > BROWSE_TIMEOUT_MS_MAX) {
    throw new UsageError(`--timeout must be from ${BROWSE_TIMEOUT_MS_MIN}ms to ${BROWSE_TIMEOUT_MS_MAX / 1000}s, got '${values.timeout ?? ''}'`, 'discover')
  }
  const lan = discovery({ timeoutMs })({ clock: systemClock(), openSocket: multicastDnsSocket() })
  const result = await lan.browse(mode)
  if (result.recordsDropped > 0) {
    process.stderr.write(`fleets discover: ${result.recordsDropped} mDNS records ignored over the record limit; the lists may be incomplete\n`)
  }
  process.stdout.write(values.json === true
    ? JSON.stringify({ timeoutMs, ...result }, null, 2) + '\n'
    : renderDiscovery(result, mode, timeoutMs))
  return 0
}

function discoverMode (all: boolean, service: string | undefined): BrowseTarget {
  if (all && service != null) throw new UsageError('use either --all (every service type) or --service TYPE (one type), not both', 'discover')
  if (all) return { kind: 'all' }
  if (service == null) return { kind: 'fleet' }
  const fqdn = serviceTypeFqdn(service)
  if (fqdn == null) {
    throw new UsageError(`--service takes a DNS-SD service type like _ssh._tcp or _http._tcp (underscore, name, ._tcp or ._udp), got '${service}'`, 'discover')
  }
  return { kind: 'service', type: serviceTypeLabel(fqdn) }
}
