import { describe, expect, it } from 'vitest'
import { discovery, DiscoverySocketError } from './index.js'
import { dnsSdResponder, fakeClock, fakeLan, libp2pResponder, seededPeerId } from '../../test/support/fake-mdns.js'
import type { Responder } from '../../test/support/fake-mdns.js'

const SSH = { type: '_ssh._tcp', instance: 'raspberrypi', host: 'raspberrypi.local', port: 22, address: '198.18.0.7', txt: ['board=pi5'] }
const WORKSTATION = { type: '_workstation._tcp', instance: 'raspberrypi [dc:a6:32:00:00:01]', host: 'raspberrypi.local', port: 9, address: '198.18.0.7', txt: [] }

async function browse (responders: Responder[], target: Parameters<ReturnType<ReturnType<typeof discovery>>['browse']>[0], timeoutMs = 3_000) {
  const lan = fakeLan(responders)
  const clock = fakeClock()
  const result = await discovery({ timeoutMs })({ clock, openSocket: lan.openSocket }).browse(target)
  return { result, lan, clock }
}

describe('discovery browse (fake mDNS link)', () => {
  it('lists FleetD nodes by peer id, asking for the fleet tag only, every interval until the timeout', async () => {
    const [a, b] = [await seededPeerId(3), await seededPeerId(4)]
    const { result, lan, clock } = await browse([
      libp2pResponder(a, ['/ip4/198.18.0.1/tcp/4710'], 'n1'),
      libp2pResponder(b, ['/ip4/198.18.0.2/tcp/4710', '/ip4/10.1.0.2/tcp/4710'], 'n2'),
      libp2pResponder(await seededPeerId(5), ['/ip4/198.18.0.3/tcp/4001'], 'p', '_p2p._udp.local'), // plain libp2p: not ours
      dnsSdResponder(SSH)
    ], { kind: 'fleet' })
    expect(result.types).toEqual(['_fleetd._udp'])
    expect(result.services).toEqual([])
    expect(result.nodes.map(n => n.peerId)).toEqual([a, b].sort())
    expect(result.nodes.find(n => n.peerId === b)?.addresses).toEqual(['/ip4/10.1.0.2/tcp/4710', '/ip4/198.18.0.2/tcp/4710'])
    expect(lan.sent).toEqual(Array(3).fill([{ name: '_fleetd._udp.local', type: 'PTR' }]))
    expect(clock.slept).toEqual([1_000, 1_000, 1_000])
    expect(lan.sockets).toEqual({ opened: 1, closed: 1 })
  })

  it('resolves a service instance whose responder answers one question at a time', async () => {
    const { result, lan } = await browse([dnsSdResponder(SSH, false), dnsSdResponder({ ...SSH, type: '_http._tcp' })], { kind: 'service', type: '_ssh._tcp.local' })
    expect(result).toEqual({
      types: ['_ssh._tcp'], nodes: [], recordsDropped: 0,
      services: [{ type: '_ssh._tcp', name: 'raspberrypi', fqdn: 'raspberrypi._ssh._tcp.local', host: 'raspberrypi.local', port: 22, addresses: ['198.18.0.7'], txt: { board: 'pi5' } }]
    })
    // round 0 finds the PTR, round 1 asks SRV and TXT, round 2 asks the host's address
    expect(lan.sent.slice(0, 4)).toEqual([
      [{ name: '_ssh._tcp.local', type: 'PTR' }],
      [{ name: '_ssh._tcp.local', type: 'PTR' }], [{ name: 'raspberrypi._ssh._tcp.local', type: 'SRV' }, { name: 'raspberrypi._ssh._tcp.local', type: 'TXT' }],
      [{ name: '_ssh._tcp.local', type: 'PTR' }]
    ])
    expect(lan.sent[4]).toEqual([{ name: 'raspberrypi.local', type: 'A' }, { name: 'raspberrypi.local', type: 'AAAA' }])
  })

  it('--all lists every announced type and its instances, FleetD nodes included', async () => {
    const a = await seededPeerId(6)
    const { result, lan } = await browse([dnsSdResponder(SSH), dnsSdResponder(WORKSTATION), libp2pResponder(a, ['/ip4/198.18.0.1/tcp/4710'], 'n1')], { kind: 'all' })
    expect(result.types).toEqual(['_fleetd._udp', '_ssh._tcp', '_workstation._tcp'])
    expect(result.nodes.map(n => n.peerId)).toEqual([a])
    expect(result.services.map(s => `${s.type} ${s.name} ${s.host ?? ''}:${s.port ?? ''}`)).toEqual([
      '_ssh._tcp raspberrypi raspberrypi.local:22', '_workstation._tcp raspberrypi [dc:a6:32:00:00:01] raspberrypi.local:9'
    ])
    // a type is browsed as soon as the meta answer names it, in round 0
    expect(lan.sent.slice(0, 4).map(q => q[0]?.name)).toEqual(['_services._dns-sd._udp.local', '_ssh._tcp.local', '_workstation._tcp.local', '_fleetd._udp.local'])
  })

  it('says when nothing could be sent, and closes the socket', async () => {
    const lan = fakeLan([], { failSends: true })
    const run = discovery()({ clock: fakeClock(), openSocket: lan.openSocket }).browse({ kind: 'all' })
    await expect(run).rejects.toMatchObject({ name: 'DiscoverySocketError', code: DiscoverySocketError.code, message: /ENETUNREACH/ })
    expect(lan.sockets).toEqual({ opened: 1, closed: 1 })
  })

  it('keeps listening for the timeout, not beyond it', async () => {
    const { clock, lan } = await browse([], { kind: 'fleet' }, 2_500)
    expect(clock.slept).toEqual([1_000, 1_000, 500])
    expect(lan.sent).toHaveLength(3)
    await expect(discovery()({ clock, openSocket: lan.openSocket }).browse({ kind: 'fleet' }, { timeoutMs: 10 })).rejects.toThrow(/timeoutMs/)
    await expect(discovery()({ clock, openSocket: lan.openSocket }).browse({ kind: 'service', type: 'ssh' })).rejects.toThrow(/service type/)
  })
})
