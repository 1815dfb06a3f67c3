/**
 * A gateway's children in presence: announced with parent = the gateway every heartbeat, and
 * accepted by receivers only when the signed sender is the parent, the tier is an MCU's or a
 * sensor's, and the id is not a device that announces itself. Drives the real PresenceService
 * with a recording pubsub (no network: the rules are what is tested, the mesh e2e is
 * test/gateway/gateway-rollout.test.ts).
 */
import { describe, expect, it } from 'vitest'
import { decodeFleetMessage, encodeFleetMessage, Tier, WIRE_VERSION } from '../../proto/index.js'
import { silentLogger } from '../logging/index.js'
import { PresenceService } from './presence-service.js'
import type { ChildDescription } from './presence-service.js'
import type { Clock } from '../ports/index.js'

const clock: Clock = { nowMs: () => 1_000_000, sleep: async (_ms, options) => await new Promise((_resolve, reject) => { options?.signal?.addEventListener('abort', () => { reject(new Error('aborted')) }) }) }

function service (deviceId: string, children?: () => ChildDescription[]): { presence: PresenceService, published: Uint8Array[] } {
  const published: Uint8Array[] = []
  const pubsub = {
    subscribe () {}, unsubscribe () {}, addEventListener () {}, removeEventListener () {}, topicValidators: new Map(),
    publish: async (_topic: string, data: Uint8Array) => { published.push(data); return await Promise.resolve({ recipients: [] }) }
  }
  const presence = new PresenceService({
    clock, logger: silentLogger.forComponent('test'), pubsub: pubsub as never,
    self: { deviceId, fleetId: 'f1', name: 'gw', platform: 'linux/arm64', tier: 1, agentVersion: '0.1.0', labels: {}, startedMs: 0, addresses: () => [], connectedPeers: () => 0, ...(children != null ? { children } : {}) }
  }, { topic: 't', heartbeatIntervalMs: 10_000 })
  return { presence, published }
}

const announce = (deviceId: string, fields: { parent?: string, tier?: Tier, seq?: number } = {}): Uint8Array => encodeFleetMessage({
  version: WIRE_VERSION,
  announce: {
    deviceId, fleetId: 'f1', name: deviceId, platform: 'esp32', tier: fields.tier ?? Tier.MCU, agentVersion: '1.0.0', labels: new Map([['mcu', 'esp32']]),
    addresses: [], seq: fields.seq ?? 1, sentMs: 1, startedMs: 0, ...(fields.parent != null ? { parent: fields.parent } : {})
  }
})

describe('presence of a gateway\'s children', () => {
  it('announces each child with parent = the gateway, after its own announcement', async () => {
    const { presence, published } = service('gw-1', () => [{ deviceId: 'esp32-aa', name: 'gw/ttyUSB0', platform: 'esp32', tier: 3, agentVersion: '2.0.0', labels: { mcu: 'esp32' } }])
    presence.start()
    await new Promise(resolve => setTimeout(resolve, 20))
    presence.stop()
    const messages = published.map(b => decodeFleetMessage(b).announce)
    expect(messages.map(m => m?.deviceId)).toEqual(['gw-1', 'esp32-aa'])
    expect(messages[1]).toMatchObject({ parent: 'gw-1', tier: Tier.MCU, agentVersion: '2.0.0', platform: 'esp32' })
    // A restarted gateway's child announcements must outrank the ones receivers hold.
    expect(messages[1]?.seq).toBeGreaterThan(1_000_000)
  })

  it('accepts a child only from its parent, only of tier 3 or 4, never over a device announcing itself', () => {
    const { presence } = service('receiver')
    expect(presence.receive('gw-1', announce('esp32-aa', { parent: 'gw-1' }))).toBeUndefined()
    expect(presence.view.get('esp32-aa', 1)).toMatchObject({ parent: 'gw-1', tier: 3 })
    expect(presence.receive('gw-1', announce('esp32-bb'))).toMatch(/claims to be esp32-bb/)
    expect(presence.receive('gw-1', announce('esp32-bb', { parent: 'gw-2' }))).toMatch(/claims to be esp32-bb/)
    expect(presence.receive('gw-1', announce('pi-2', { parent: 'gw-1', tier: Tier.FULL_OS }))).toMatch(/tier 1; a gateway speaks only for MCUs \(3\) and sensors \(4\)/)
    expect(presence.receive('node-x', announce('node-x', { tier: Tier.FULL_OS }))).toBeUndefined()
    expect(presence.receive('gw-1', announce('node-x', { parent: 'gw-1', seq: 5 }))).toMatch(/a device announcing itself/)
    expect(presence.view.get('node-x', 1)).toMatchObject({ tier: 1 })
  })
})
