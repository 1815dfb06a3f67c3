import { describe, expect, it } from 'vitest'
import { fleetNodesOf } from './fleet-nodes.js'
import { RecordCache } from './record-cache.js'
import { toMdnsRecord, txtAttributes } from './records.js'
import { serviceTypeFqdn, serviceTypeLabel } from './service-type.js'
import { seededPeerId } from '../../test/support/fake-mdns.js'

const TYPE = '_ssh._tcp.local'
const FQDN = 'Pi Kitchen._ssh._tcp.local'

function ptr (name: string, data: string, ttl = 120): unknown { return { name, type: 'PTR', ttl, data } }
function txt (name: string, entries: string[], ttl = 120): unknown { return { name, type: 'TXT', ttl, data: entries.map(e => Buffer.from(e)) } }

describe('mDNS records', () => {
  it('decodes the record shapes a browse reads and drops malformed ones', () => {
    expect(toMdnsRecord(txt(FQDN, ['a=1', 'b']))).toEqual({ name: FQDN, type: 'TXT', ttl: 120, data: ['a=1', 'b'] })
    expect(toMdnsRecord({ name: FQDN, type: 'TXT', ttl: 120, data: 'single' })).toMatchObject({ data: ['single'] })
    expect(toMdnsRecord({ name: FQDN, type: 'SRV', ttl: 120, data: { target: 'pi.local', port: 22, weight: 0 } }))
      .toEqual({ name: FQDN, type: 'SRV', ttl: 120, data: { target: 'pi.local', port: 22 } })
    expect(toMdnsRecord({ name: FQDN, type: 'SRV', ttl: 120, data: { target: 'pi.local', port: 70_000 } })).toBeUndefined()
    expect(toMdnsRecord({ name: FQDN, type: 'SRV', ttl: 120, data: 'nope' })).toBeUndefined()
    expect(toMdnsRecord({ name: '', type: 'PTR', data: 'x' })).toBeUndefined()
    expect(toMdnsRecord({ name: 'pi.local', type: 'NSEC', data: {} })).toBeUndefined()
    expect(toMdnsRecord(null)).toBeUndefined()
  })

  it('reads TXT attributes as DNS-SD says: first key wins, case-insensitively; bare keys are booleans', () => {
    expect(txtAttributes(['model=Pi 5', 'Model=other', 'secure', '=junk', 'path=/a=b'])).toEqual({ model: 'Pi 5', secure: '', path: '/a=b' })
  })

  it('takes service types with or without the domain and refuses anything else', () => {
    expect(serviceTypeFqdn('_ssh._tcp')).toBe(TYPE)
    expect(serviceTypeFqdn('_SSH._tcp.local.')).toBe(TYPE)
    expect(serviceTypeFqdn('_companion-link._tcp')).toBe('_companion-link._tcp.local')
    for (const bad of ['ssh', '_ssh', '_ssh._sctp', '_-ssh._tcp', '_ss--h._tcp', '_ssh._tcp.example.com', '']) expect(serviceTypeFqdn(bad)).toBeUndefined()
    expect(serviceTypeLabel(TYPE)).toBe('_ssh._tcp')
  })
})

describe('RecordCache', () => {
  it('resolves an instance from PTR, SRV, TXT and A records, comparing names without case', () => {
    const cache = new RecordCache(100)
    cache.add({
      answers: [ptr(TYPE, FQDN)],
      additionals: [
        { name: FQDN.toLowerCase(), type: 'SRV', ttl: 120, data: { target: 'pi.local.', port: 22 } },
        txt(FQDN, ['model=Pi 5']), { name: 'PI.local', type: 'A', ttl: 120, data: '198.18.0.9' },
        { name: 'pi.local', type: 'AAAA', ttl: 120, data: 'fe80::1' }
      ]
    })
    expect(cache.instanceNames(TYPE)).toEqual([FQDN])
    expect(cache.instance(TYPE, FQDN)).toEqual({
      type: '_ssh._tcp', name: 'Pi Kitchen', fqdn: FQDN, host: 'pi.local', port: 22,
      addresses: ['198.18.0.9', 'fe80::1'], txt: { model: 'Pi 5' }, txtEntries: ['model=Pi 5']
    })
  })

  it('lists service types from the meta query, drops records said goodbye to (TTL 0) and repeats', () => {
    const cache = new RecordCache(100)
    cache.add({ answers: [ptr('_services._dns-sd._udp.local', '_ssh._tcp.local'), ptr('_services._dns-sd._udp.local', '_http._tcp.local')] })
    cache.add({ answers: [ptr('_services._dns-sd._udp.local', '_ssh._tcp.local')] })
    cache.add({ answers: [ptr(TYPE, FQDN), ptr(TYPE, 'other._ssh._tcp.local')] })
    cache.add({ answers: [ptr(TYPE, 'other._ssh._tcp.local', 0)] })
    expect(cache.serviceTypes()).toEqual(['_http._tcp.local', '_ssh._tcp.local'])
    expect(cache.instanceNames(TYPE)).toEqual([FQDN])
  })

  it('keeps at most recordsMax records and counts the rest', () => {
    const cache = new RecordCache(3)
    cache.add({ answers: Array.from({ length: 5 }, (_, i) => ptr(TYPE, `i${i}._ssh._tcp.local`)) })
    cache.add({ answers: [ptr(TYPE, 'i0._ssh._tcp.local')] }) // a refresh of a kept record is not dropped
    expect(cache.instanceNames(TYPE)).toHaveLength(3)
    expect(cache.dropped).toBe(2)
  })
})

describe('fleetNodesOf', () => {
  it('groups libp2p dnsaddr entries by peer id and skips junk', async () => {
    const [a, b] = [await seededPeerId(1), await seededPeerId(2)]
    const cache = new RecordCache(100)
    const tag = '_fleetd._udp.local'
    cache.add({
      answers: [ptr(tag, `x1.${tag}`), ptr(tag, `x2.${tag}`), ptr(tag, `x3.${tag}`), ptr(tag, `x4.${tag}`),
        txt(`x1.${tag}`, [`dnsaddr=/ip4/198.18.0.2/tcp/4710/p2p/${b}`]),
        txt(`x1.${tag}`, [`dnsaddr=/ip4/10.0.0.2/tcp/4710/p2p/${b}`]),
        // the same node after a restart: a new random instance name
        txt(`x2.${tag}`, [`dnsaddr=/ip4/198.18.0.2/tcp/4710/p2p/${b}`, 'ver=2']),
        txt(`x3.${tag}`, [`dnsaddr=/ip4/198.18.0.1/tcp/4710/p2p/${a}`]),
        txt(`x4.${tag}`, ['dnsaddr=/not/a/multiaddr', 'dnsaddr=/ip4/198.18.0.5/tcp/1'])]
    })
    const nodes = fleetNodesOf(cache.instanceNames(tag).map(f => cache.instance(tag, f)))
    expect(nodes).toEqual([
      { peerId: a, addresses: ['/ip4/198.18.0.1/tcp/4710'], instances: ['x3'], txt: {} },
      { peerId: b, addresses: ['/ip4/10.0.0.2/tcp/4710', '/ip4/198.18.0.2/tcp/4710'], instances: ['x1', 'x2'], txt: { ver: '2' } }
    ].sort((x, y) => x.peerId < y.peerId ? -1 : 1))
  })
})
