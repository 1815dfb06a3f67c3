/**
 * Six real fleet-node processes on six namespace hosts of one bridge: mDNS discovery, a full
 * mesh, fleet-topic gossip reaching everyone, strangers refused, restarts keeping identity.
 * mDNS runs only inside these namespaces; the test removes them even when it fails.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHostNetwork, netnsSupport } from '../support/netns-hosts.js'
import { createToken, startFleetNode, tempDir } from '../support/fleet-node-proc.js'
import type { HostNetwork } from '../support/netns-hosts.js'
import type { RunningNode } from '../support/fleet-node-proc.js'
import type { MeshStatus } from '../../node/mesh/index.js'

const HOSTS = 6
const MESH_TIMEOUT_MS = 45_000
const TEST_TIMEOUT_MS = 90_000
const support = await netnsSupport()
if (!support.ok) console.warn(`multi-host mesh tests skipped: ${support.reason}`)

function connectedPeers (s: MeshStatus): Set<string> {
  return new Set(s.connections.map(c => c.peerId))
}

describe.skipIf(!support.ok)(`mesh across ${HOSTS} namespace hosts with mDNS${support.ok ? '' : ` (skipped: ${support.reason})`}`, () => {
  let network: HostNetwork
  let dir: string
  let token: string
  const nodes: RunningNode[] = []
  const peerIds: string[] = []

  beforeAll(async () => {
    network = await createHostNetwork({ count: HOSTS, prefix: 'mesh' })
    dir = await tempDir('netns-mesh')
    token = await createToken(join(dir, 'fleet.db'))
  })

  afterAll(async () => {
    await Promise.allSettled(nodes.map(async n => await n.stop()))
    await network?.destroy()
  }, TEST_TIMEOUT_MS)

  it('discovers every host by mDNS and forms a full mesh', async () => {
    for (const host of network.hosts) {
      nodes.push(startFleetNode({
        host,
        storageDir: join(dir, host.name),
        args: ['--token', token, '--rpc-port', '0', '--name', host.name, '--label', `host=${host.name}`, '--heartbeat-ms', '2000']
      }))
    }
    const statuses = await Promise.all(nodes.map(async (n, i) =>
      await n.waitFor(`host ${i} connected to all ${HOSTS - 1} others`, s => connectedPeers(s).size >= HOSTS - 1, MESH_TIMEOUT_MS)))
    peerIds.push(...statuses.map(s => s.peerId))
    for (const [i, s] of statuses.entries()) {
      expect([...connectedPeers(s)].sort()).toEqual(peerIds.filter((_, j) => j !== i).sort())
      expect(s.addresses.some(a => a.includes(network.hosts[i]?.address ?? '?'))).toBe(true)
    }
  }, TEST_TIMEOUT_MS)

  it('delivers what each member publishes on the fleet topic to all others', async () => {
    // Every announcement (name, labels) is a message on the fleet topic; each must reach all.
    await Promise.all(nodes.map(async (n, i) => {
      const s = await n.waitFor(`host ${i} to hear every announcement`,
        st => st.peers.filter(p => p.announced && p.status === 'online').length >= HOSTS - 1, MESH_TIMEOUT_MS)
      const heard = s.peers.map(p => `${p.deviceId}:${p.name}:${p.labels.host ?? ''}`).sort()
      const expected = network.hosts.map((h, j) => `${peerIds[j] ?? ''}:${h.name}:${h.name}`).filter((_, j) => j !== i).sort()
      expect(heard).toEqual(expected)
    }))
    // Heartbeats keep flowing: sequence numbers grow at every receiver.
    const before = await nodes[0]?.status()
    const after = await nodes[0]?.waitFor('newer heartbeats', s =>
      s.peers.every(p => p.heartbeatSeq > (before?.peers.find(q => q.deviceId === p.deviceId)?.heartbeatSeq ?? 0)), 15_000)
    expect(after?.peers.length).toBe(HOSTS - 1)
  }, TEST_TIMEOUT_MS)

  it('refuses a host holding another fleet\'s token, at every member', async () => {
    const strangerHost = await network.addHost()
    const otherToken = await createToken(join(dir, 'other.db'))
    const stranger = startFleetNode({ host: strangerHost, storageDir: join(dir, 'stranger'), args: ['--token', otherToken, '--rpc-port', '0', '--name', 'stranger'] })
    nodes.push(stranger)
    await Promise.all(nodes.slice(0, HOSTS).map(async (n, i) => {
      const s = await n.waitFor(`host ${i} to refuse the stranger`, st =>
        st.refusals.recent.some(r => r.reason === 'network-key-mismatch' && r.remoteAddr.includes(strangerHost.address)), MESH_TIMEOUT_MS)
      expect(s.peers.map(p => p.name)).not.toContain('stranger')
    }))
    const s = await stranger.status()
    expect(s.connections).toEqual([])
    expect(s.refusals.total).toBeGreaterThanOrEqual(HOSTS)
    expect(stranger.logs()).toMatch(/its network key differs/)
  }, TEST_TIMEOUT_MS)

  it('restarts a node with the same peer ID, and it rejoins the mesh without its token flag', async () => {
    const first = nodes[0]
    const host = network.hosts[0]
    if (first == null || host == null) throw new Error('setup failed')
    expect(await first.stop()).toBe(0)
    // The token was remembered in the storage dir: no --token this time.
    const again = startFleetNode({ host, storageDir: first.storageDir, args: ['--rpc-port', '0', '--name', host.name, '--heartbeat-ms', '2000'] })
    nodes[0] = again
    const s = await again.waitFor('the restarted node to reconnect to all', st => connectedPeers(st).size >= HOSTS - 1, MESH_TIMEOUT_MS)
    expect(s.peerId).toBe(peerIds[0])
    await nodes[1]?.waitFor('host 1 to see host 0 online again', st =>
      st.peers.some(p => p.deviceId === peerIds[0] && p.status === 'online'), MESH_TIMEOUT_MS)
  }, TEST_TIMEOUT_MS)
})
