/**
 * Plans and reports on real libp2p mesh nodes (in-process, loopback, mDNS off): gossip reaches
 * every node, a node that was offline catches up by anti-entropy from a peer that is not the
 * coordinator, a tampered plan is refused everywhere, and the report outbox reaches a
 * receiver that comes online later, across a restart of the sender, without loss or duplicates.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { afterAll, describe, expect, it } from 'vitest'
import { decodePlan, decodeSignedPlan, encodeSignedPlan, Health } from '../../proto/index.js'
import { silentLogger } from '../../node/logging/index.js'
import { meshNode } from '../../node/mesh/index.js'
import { openPlanStore, openReportOutbox, planGossip, plansTopic, REPORTS_PROTOCOL, reportReceiver, reportSender, signPlan } from '../../node/plans/index.js'
import { systemClock, systemRandom } from '../../node/ports/index.js'
import { FLEET_ID, signingKey, testPlan } from './plan-fixtures.js'
import type { FleetLibp2p, MeshNode } from '../../node/mesh/index.js'
import type { PlanGossip, PlanRejection, PlanStore, ReportOutbox, ReportSender } from '../../node/plans/index.js'
import type { TrustedKey } from '../../content/keys/index.js'
import type { DeviceReport } from '../../proto/index.js'
import type { PrivateKey } from '@libp2p/interface'

const networkKey = new TextEncoder().encode('/key/swarm/psk/1.0.0/\n/base16/\n' + 'cd'.repeat(32))
const common = { clock: systemClock(), random: systemRandom(), logger: silentLogger }

interface Started { mesh: MeshNode, dir: string, privateKey: PrivateKey, stop(): Promise<void> }
interface PlanNode extends Started { store: PlanStore, gossip: PlanGossip, rejections: PlanRejection[] }

const running = new Set<Started>()
afterAll(async () => { await Promise.allSettled([...running].map(async n => { await n.stop() })) })

async function startMesh (options: { dir?: string, privateKey?: PrivateKey, bootstrap?: string[] } = {}): Promise<Started> {
  const dir = options.dir ?? await mkdtemp(join(tmpdir(), 'fleetd-plans-'))
  const privateKey = options.privateKey ?? await generateKeyPair('Ed25519')
  const mesh = meshNode({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, bootstrap: options.bootstrap ?? [], heartbeatIntervalMs: 1000 })({
    ...common, privateKey, storageDir: dir, agentVersion: 'test', membership: { fleetId: FLEET_ID, networkKey }
  })
  await mesh.start()
  const node: Started = { mesh, dir, privateKey, stop: async () => { running.delete(node); await mesh.stop() } }
  running.add(node)
  return node
}

async function startPlanNode (trusted: TrustedKey[], options: Parameters<typeof startMesh>[0] = {}): Promise<PlanNode> {
  const base = await startMesh(options)
  const store = await openPlanStore(base.dir)
  // Only identify-triggered syncs in these tests: catching up must not wait for the timer.
  const gossip = planGossip({ syncIntervalMs: 600_000 })({ ...common, libp2p: base.mesh.libp2p, store, fleetId: FLEET_ID, trustedKeys: () => trusted })
  const rejections: PlanRejection[] = []
  gossip.onRejected(r => { rejections.push(r) })
  await gossip.start()
  const node: PlanNode = {
    ...base, store, gossip, rejections,
    stop: async () => { await gossip.stop(); await store.flushed(); await base.stop() }
  }
  running.delete(base)
  running.add(node)
  return node
}

const addr = (node: Started): string => node.mesh.libp2p.getMultiaddrs()[0]?.toString() ?? ''

async function waitFor (what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!await predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

/**
 * Gossipsub reports a subscription before its stream to that peer is open, and a message sent
 * then reaches no one (see ANNOUNCE_SETTLE_MS in node/mesh): publish again until it arrived,
 * as a coordinator re-gossips. Each publish is a new gossip message; receivers that already
 * hold the plan count it as a duplicate.
 */
async function gossipUntil (what: string, publish: () => Promise<unknown>, arrived: () => boolean): Promise<void> {
  await publish()
  const deadline = Date.now() + 20_000
  while (!arrived()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 500))
    if (!arrived()) await publish()
  }
}

describe('plans on loopback libp2p nodes', () => {
  it('gossip reaches all; a tampered plan is refused everywhere; an offline node catches up from a non-coordinator peer', async () => {
    const { key, trusted } = await signingKey()
    const coordinator = await startPlanNode([trusted])
    const b = await startPlanNode([trusted], { bootstrap: [addr(coordinator)] })
    const c = await startPlanNode([trusted], { bootstrap: [addr(coordinator)] })
    const topic = plansTopic(FLEET_ID)
    await waitFor('both devices subscribed at the coordinator', () => coordinator.mesh.libp2p.services.pubsub.getSubscribers(topic).length === 2)

    // 1. Gossip: the plan reaches every node, which verified it before storing and relaying.
    const one = await signPlan(testPlan({ seq: 1 }), key)
    await gossipUntil('seq 1 on b and c', async () => await coordinator.gossip.publish(one), () => b.store.get('dep-1')?.seq === 1 && c.store.get('dep-1')?.seq === 1)
    expect(b.gossip.stats().accepted.gossip).toBe(1)
    expect(c.gossip.stats().accepted.gossip).toBe(1)

    // 2. A plan altered after signing is refused by every node with reason 'signature'.
    const tampered = await signPlan(testPlan({ seq: 2, manifest: { ...testPlan().manifest!, version: '6.6.6' } }), key)
    const bytes = new Uint8Array(tampered.plan)
    const at = Buffer.from(bytes).indexOf('6.6.6')
    bytes[at] = '9'.charCodeAt(0)
    await gossipUntil('b and c refuse it', async () => await coordinator.mesh.libp2p.services.pubsub.publish(topic, encodeSignedPlan({ ...tampered, plan: bytes })),
      () => b.rejections.length > 0 && c.rejections.length > 0)
    for (const node of [b, c]) {
      expect(new Set(node.rejections.map(r => `${r.reason}/${r.source}`))).toEqual(new Set(['signature/gossip']))
      expect(node.gossip.stats().rejected).toEqual({ signature: node.rejections.length })
      expect(node.store.get('dep-1')?.seq).toBe(1)
    }

    // 3. c goes offline; the coordinator issues seq 2, which only b gets; then the coordinator goes away.
    await c.stop()
    const two = await signPlan(testPlan({ seq: 2, manifest: { ...testPlan().manifest!, version: '1.3.0' } }), key)
    await gossipUntil('seq 2 on b', async () => await coordinator.gossip.publish(two), () => b.store.get('dep-1')?.seq === 2)
    await coordinator.stop()

    // 4. c comes back knowing only b: it catches up from b, not from the coordinator.
    const c2 = await startPlanNode([trusted], { dir: c.dir, privateKey: c.privateKey, bootstrap: [addr(b)] })
    expect(c2.store.get('dep-1')?.seq).toBe(1)
    await waitFor('c catches up seq 2 from b', () => c2.store.get('dep-1')?.seq === 2)
    expect(c2.gossip.stats().accepted).toMatchObject({ gossip: 0, sync: 1 })
    expect(decodePlan(decodeSignedPlan(c2.store.get('dep-1')!.bytes).plan).manifest?.version).toBe('1.3.0')

    // 5. A node started later, connected only to c, catches up from c.
    const d = await startPlanNode([trusted], { bootstrap: [addr(c2)] })
    await waitFor('d catches up from c', () => d.store.get('dep-1')?.seq === 2)
    expect(d.gossip.stats().accepted.sync).toBe(1)
    expect(d.rejections).toEqual([])
  }, 60_000)
})

describe('report outbox on loopback libp2p nodes', () => {
  interface Device extends Started { outbox: ReportOutbox, sender: ReportSender }

  async function startDevice (options: Parameters<typeof startMesh>[0] = {}, idleCheckMs?: number): Promise<Device> {
    const base = await startMesh(options)
    const outbox = await openReportOutbox(base.dir, { clock: common.clock, deviceId: base.mesh.peerId })
    const sender = reportSender({ retryBaseMs: 100, retryCapMs: 500, ...(idleCheckMs != null ? { idleCheckMs } : {}) })({ ...common, libp2p: base.mesh.libp2p, outbox })
    sender.start()
    const device: Device = {
      ...base, outbox, sender,
      stop: async () => { await sender.stop(); await outbox.close(); await base.stop() }
    }
    running.delete(base)
    running.add(device)
    return device
  }

  /** The coordinator's side: persists (here: keeps) each report, dropping duplicates by (device_id, seq). */
  async function startCoordinator (received: Map<string, DeviceReport>, failOnce: Set<number>, before?: (base: Started) => Promise<void>) {
    const base = await startMesh()
    await before?.(base)
    const counts = { duplicates: 0 }
    const receiver = await reportReceiver(base.mesh.libp2p, async (report) => {
      // As a database write would, persisting takes a turn of the event loop.
      await new Promise(resolve => setImmediate(resolve))
      if (failOnce.delete(report.seq)) throw new Error('database busy')
      const key = `${report.deviceId}/${report.seq}`
      if (received.has(key)) counts.duplicates++
      else received.set(key, report)
    })
    const node = { ...base, counts, stop: async () => { await receiver.stop(); await base.stop() } }
    running.delete(base)
    running.add(node)
    return node
  }

  const draft = (i: number) => ({ deploymentId: 'dep-1', planSeq: 1, step: 'switch', health: Health.HEALTHY, appVersion: `1.0.${i}` })

  it('delivers to a receiver that comes online later, across a sender restart, without loss or duplicates', async () => {
    const received = new Map<string, DeviceReport>()
    const device = await startDevice()
    const deviceId = device.mesh.peerId
    const first = await device.outbox.append(draft(0))
    await device.outbox.append(draft(1))
    await device.outbox.append(draft(2))

    // The coordinator comes online; its handler is registered before it connects.
    const failOnce = new Set([first.seq + 1])
    const coordinator = await startCoordinator(received, failOnce)
    await coordinator.mesh.libp2p.dial(device.mesh.libp2p.getMultiaddrs())
    await waitFor('3 reports delivered', () => received.size === 3 && device.outbox.stats().pending === 0)
    // The receiver failed once on the second report: the ack covered the first, the rest came again.
    expect(device.sender.stats().failures).toBeGreaterThanOrEqual(1)

    // The coordinator goes away; reports queue up; the device restarts (outbox reopened from disk).
    await coordinator.stop()
    for (let i = 3; i < 6; i++) await device.outbox.append(draft(i))
    await device.stop()
    const restarted = await startDevice({ dir: device.dir, privateKey: device.privateKey })
    expect(restarted.outbox.stats().pending).toBe(3)
    await restarted.outbox.append(draft(6))

    const coordinator2 = await startCoordinator(received, new Set())
    await coordinator2.mesh.libp2p.dial(restarted.mesh.libp2p.getMultiaddrs())
    await waitFor('all 7 reports delivered', () => received.size === 7 && restarted.outbox.stats().pending === 0)

    const reports = [...received.values()].sort((x, y) => x.seq - y.seq)
    expect(reports.map(r => r.seq)).toEqual([0, 1, 2, 3, 4, 5, 6].map(i => first.seq + i))
    expect(reports.map(r => r.appVersion)).toEqual([0, 1, 2, 3, 4, 5, 6].map(i => `1.0.${i}`))
    expect(new Set(reports.map(r => r.deviceId))).toEqual(new Set([deviceId]))
    expect(coordinator.counts.duplicates + coordinator2.counts.duplicates).toBe(0)
    expect(restarted.outbox.stats().dropped).toBe(0)
  }, 60_000)

  it('finds a receiver that registered its handler after the device connected', async () => {
    const received = new Map<string, DeviceReport>()
    const device = await startDevice({}, 300)
    await device.outbox.append(draft(0))
    // Identify ran when the connection opened, before the handler existed: the device re-asks.
    await startCoordinator(received, new Set(), async (base) => {
      const identified = new Promise<void>(resolve => {
        device.mesh.libp2p.addEventListener('peer:identify', (evt) => { if (evt.detail.peerId.equals(base.mesh.libp2p.peerId)) resolve() })
      })
      await base.mesh.libp2p.dial(device.mesh.libp2p.getMultiaddrs())
      await identified
      expect((await device.mesh.libp2p.peerStore.get(base.mesh.libp2p.peerId)).protocols).not.toContain(REPORTS_PROTOCOL)
    })
    await waitFor('the report delivered', () => received.size === 1 && device.outbox.stats().pending === 0)
  }, 30_000)

  it('dials a receiver it knew when no connection to it is left (after a partition nobody redials)', async () => {
    // Bare libp2p nodes: a mesh node's dialer would redial the coordinator on its own, and the
    // point here is that the sender does not depend on it (after a long partition the dialer
    // has given up on every unpinned peer).
    const bare = async () => await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()],
      services: { identify: identify(), ping: ping() }
    })
    const deviceNode = await bare()
    const coordinatorNode = await bare()
    const dir = await mkdtemp(join(tmpdir(), 'fleetd-reports-'))
    const outbox = await openReportOutbox(dir, { clock: common.clock, deviceId: deviceNode.peerId.toString() })
    const sender = reportSender({ retryBaseMs: 100, retryCapMs: 500, idleCheckMs: 300 })({ ...common, libp2p: deviceNode as unknown as FleetLibp2p, outbox })
    const received: DeviceReport[] = []
    const receiver = await reportReceiver(coordinatorNode, (report) => { received.push(report); return Promise.resolve() })
    try {
      sender.start()
      await coordinatorNode.dial(deviceNode.getMultiaddrs())
      await outbox.append(draft(0))
      await waitFor('the first report delivered', () => received.length === 1)

      await deviceNode.hangUp(coordinatorNode.peerId)
      await coordinatorNode.peerStore.delete(deviceNode.peerId)
      await waitFor('disconnected', () => deviceNode.getConnections(coordinatorNode.peerId).length === 0)
      await outbox.append(draft(1))
      await waitFor('the second report delivered over a connection the device opened', () => received.length === 2 && outbox.stats().pending === 0)
      expect(deviceNode.getConnections(coordinatorNode.peerId).map(c => c.direction)).toContain('outbound')
    } finally {
      await sender.stop()
      await receiver.stop()
      await outbox.close()
      await Promise.all([deviceNode.stop(), coordinatorNode.stop()])
    }
  }, 30_000)
})
