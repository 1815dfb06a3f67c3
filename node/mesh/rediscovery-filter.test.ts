import { describe, expect, it } from 'vitest'
import { MDNS_PEERS_TRACKED_MAX, MDNS_REDISCOVERY_QUIET_MS } from './constants.js'
import { RediscoveryFilter } from './rediscovery-filter.js'

function setup (connectedPeers: Set<string>) {
  let now = 1_000_000
  const clock = { nowMs: () => now, sleep: async () => {} }
  const filter = new RediscoveryFilter(clock, (id) => connectedPeers.has(id))
  return { filter, advance: (ms: number) => { now += ms } }
}

describe('RediscoveryFilter', () => {
  const addrs = ['/ip4/198.18.0.2/tcp/4710']

  it('passes every answer from a peer we are not connected to (the dialer needs them)', () => {
    const { filter } = setup(new Set())
    expect(filter.admit('A', addrs)).toBe(true)
    expect(filter.admit('A', addrs)).toBe(true)
  })

  it('drops repeated answers from a connected peer until the quiet period has passed', () => {
    const connected = new Set(['A'])
    const { filter, advance } = setup(connected)
    expect(filter.admit('A', addrs)).toBe(true)
    advance(5_000)
    expect(filter.admit('A', addrs)).toBe(false)
    advance(MDNS_REDISCOVERY_QUIET_MS)
    expect(filter.admit('A', addrs)).toBe(true)
    expect(filter.admit('A', addrs)).toBe(false)
  })

  it('passes a connected peer whose addresses changed (the same set in another order is no change)', () => {
    const { filter } = setup(new Set(['A']))
    expect(filter.admit('A', ['/ip4/1.1.1.1/tcp/1', '/ip4/2.2.2.2/tcp/1'])).toBe(true)
    expect(filter.admit('A', ['/ip4/2.2.2.2/tcp/1', '/ip4/1.1.1.1/tcp/1'])).toBe(false)
    expect(filter.admit('A', ['/ip4/3.3.3.3/tcp/1'])).toBe(true)
  })

  it('passes a peer again as soon as its connection is gone', () => {
    const connected = new Set(['A'])
    const { filter } = setup(connected)
    filter.admit('A', addrs)
    expect(filter.admit('A', addrs)).toBe(false)
    connected.delete('A')
    expect(filter.admit('A', addrs)).toBe(true)
  })

  it('remembers a bounded number of peers, forgetting the stalest first', () => {
    const connected = new Set<string>()
    const { filter } = setup(connected)
    for (let i = 0; i <= MDNS_PEERS_TRACKED_MAX; i++) { connected.add(`P${i}`); filter.admit(`P${i}`, addrs) }
    // P0 was evicted, so its next answer passes although it is connected and unchanged; the newest is still known.
    expect(filter.admit('P0', addrs)).toBe(true)
    expect(filter.admit(`P${MDNS_PEERS_TRACKED_MAX}`, addrs)).toBe(false)
  })
})
