/**
 * `fleets discover` flag handling and rendering. Only calls that fail before a socket opens run
 * here: a valid browse sends multicast, which tests do only inside network namespaces
 * (test/mesh/netns-discover.test.ts).
 */
import { describe, expect, it, vi } from 'vitest'
import { UsageError } from '../args.js'
import { DISCOVER_HELP, discoverCommand } from './discover-command.js'
import { renderDiscovery } from './discover-format.js'
import type { BrowseResult } from '../../discovery/index.js'

describe('fleets discover flags', () => {
  it.each([
    [['--service', 'ssh'], /--service takes a DNS-SD service type like _ssh._tcp.*got 'ssh'/],
    [['--service', '_ssh._sctp'], /--service takes a DNS-SD service type/],
    [['--all', '--service', '_ssh._tcp'], /either --all .* or --service TYPE/],
    [['--timeout', '3'], /--timeout takes a duration like 30s.*a number needs a unit/],
    [['--timeout', '50ms'], /--timeout must be from 100ms to 60s, got '50ms'/],
    [['--timeout', '2m'], /--timeout must be from 100ms to 60s/],
    [['--interface', 'eth0'], /Unknown option '--interface'/],
    [['stray'], /unexpected argument 'stray'/]
  ])('refuses %j before opening any socket', async (argv, message) => {
    const run = discoverCommand(argv)
    await expect(run).rejects.toBeInstanceOf(UsageError)
    await expect(run).rejects.toThrow(message)
  })

  it('prints its help', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    try {
      expect(await discoverCommand(['--help'])).toBe(0)
      expect(write).toHaveBeenCalledWith(DISCOVER_HELP)
    } finally {
      write.mockRestore()
    }
  })
})

describe('fleets discover output', () => {
  const result: BrowseResult = {
    types: ['_fleetd._udp', '_ssh._tcp'],
    nodes: [{ peerId: '12D3KooWA', addresses: ['/ip4/198.18.0.1/tcp/4710', '/ip4/198.18.0.9/tcp/4710'], instances: ['x'], txt: {} }],
    services: [{ type: '_ssh._tcp', name: 'raspberrypi', fqdn: 'raspberrypi._ssh._tcp.local', host: 'raspberrypi.local', port: 22, addresses: ['198.18.0.7'], txt: { board: 'pi5', secure: '' } },
      { type: '_ssh._tcp', name: 'half', fqdn: 'half._ssh._tcp.local', addresses: [], txt: {} }],
    recordsDropped: 0
  }

  it('shows FleetD nodes by default, services with --service, both and the types with --all', () => {
    expect(renderDiscovery(result, { kind: 'fleet' }, 3_000)).toBe(
      'PEER ID    ADDRESSES\n12D3KooWA  /ip4/198.18.0.1/tcp/4710,/ip4/198.18.0.9/tcp/4710\n')
    expect(renderDiscovery({ ...result, nodes: [] }, { kind: 'service', type: '_ssh._tcp' }, 3_000)).toBe([
      'NAME         HOST               PORT  ADDRESSES   TXT',
      'raspberrypi  raspberrypi.local  22    198.18.0.7  board=pi5 secure',
      'half         ?                  ?     ?', ''].join('\n'))
    const all = renderDiscovery(result, { kind: 'all' }, 3_000)
    expect(all).toMatch(/^PEER ID +ADDRESSES\n12D3KooWA .*\n\nTYPE +NAME +HOST +PORT +ADDRESSES +TXT\n_ssh._tcp +raspberrypi +raspberrypi.local +22 /)
    expect(all).toMatch(/\nservice types: _fleetd._udp _ssh._tcp\n$/)
  })

  it('says what was asked when nothing answered', () => {
    const none: BrowseResult = { types: [], nodes: [], services: [], recordsDropped: 0 }
    expect(renderDiscovery(none, { kind: 'fleet' }, 3_000)).toMatch(/^no FleetD nodes answered within 3 s/)
    expect(renderDiscovery(none, { kind: 'service', type: '_ssh._tcp' }, 500)).toBe('no _ssh._tcp instances answered within 500 ms\n')
    expect(renderDiscovery(none, { kind: 'all' }, 3_000)).toMatch(/no service types announced within 3 s\n$/)
  })
})
