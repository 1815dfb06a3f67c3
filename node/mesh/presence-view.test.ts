import { describe, expect, it } from 'vitest'
import { PresenceView } from './presence-view.js'
import type { AnnounceUpdate } from './presence-view.js'

const announce = (deviceId: string, seq: number, name = deviceId): AnnounceUpdate => ({
  deviceId, name, platform: 'linux/arm64', tier: 1, agentVersion: '0.1.0', labels: { site: 'a' }, addresses: [], seq
})

describe('PresenceView', () => {
  it('records a new device, then updates it only with a newer announcement', () => {
    const view = new PresenceView(1_000)
    expect(view.applyAnnounce(announce('d1', 1, 'first'), 0)).toBe('new')
    expect(view.applyAnnounce(announce('d1', 1, 'replayed'), 10)).toBe('stale')
    expect(view.applyAnnounce(announce('d1', 2, 'second'), 20)).toBe('updated')
    expect(view.get('d1', 20)?.name).toBe('second')
  })

  it('turns a device offline after three missed heartbeats and online again on the next one', () => {
    const view = new PresenceView(1_000)
    view.applyAnnounce(announce('d1', 1), 0)
    expect(view.get('d1', 3_000)?.status).toBe('online')
    expect(view.get('d1', 3_001)?.status).toBe('offline')
    expect(view.applyHeartbeat({ deviceId: 'd1', seq: 1, uptimeMs: 5, connectedPeers: 2 }, 4_000).accepted).toBe(true)
    expect(view.get('d1', 4_000)?.status).toBe('online')
  })

  it('ignores replayed heartbeats and flags a heartbeat whose announcement never arrived', () => {
    const view = new PresenceView(1_000)
    expect(view.applyHeartbeat({ deviceId: 'd2', seq: 5, uptimeMs: 1, connectedPeers: 0 }, 0)).toEqual({ accepted: true, missingAnnounce: true })
    expect(view.applyHeartbeat({ deviceId: 'd2', seq: 5, uptimeMs: 1, connectedPeers: 0 }, 1).accepted).toBe(false)
    expect(view.applyAnnounce(announce('d2', 1), 2)).toBe('new')
    expect(view.applyHeartbeat({ deviceId: 'd2', seq: 6, uptimeMs: 1, connectedPeers: 0, announceSeq: 1 }, 3).missingAnnounce).toBe(false)
    expect(view.applyHeartbeat({ deviceId: 'd2', seq: 7, uptimeMs: 1, connectedPeers: 0, announceSeq: 2 }, 4).missingAnnounce).toBe(true)
  })

  it('stays within its cap by dropping the longest-silent device', () => {
    const view = new PresenceView(1_000, 3)
    for (const [i, id] of ['a', 'b', 'c'].entries()) view.applyAnnounce(announce(id, 1), i)
    view.applyHeartbeat({ deviceId: 'a', seq: 1, uptimeMs: 0, connectedPeers: 0 }, 10)
    view.applyAnnounce(announce('d', 1), 11)
    expect(view.size).toBe(3)
    expect(view.list(11).map(p => p.deviceId)).toEqual(['a', 'c', 'd'])
  })

  it('hands out copies, so callers cannot change the view', () => {
    const view = new PresenceView(1_000)
    view.applyAnnounce(announce('d1', 1), 0)
    const entry = view.get('d1', 0)
    if (entry != null) entry.labels.site = 'changed'
    expect(view.get('d1', 0)?.labels.site).toBe('a')
  })
})
