/**
 * Deployment plans on real `fleet-node join` processes (loopback, mDNS off). The test process
 * is the coordinator: an in-process mesh node of the fleet (id, network key and coordinator
 * key read from the fleet db the join token came from) that signs plans, publishes them with
 * plan gossip and collects device reports with a report receiver. Each device gets its own
 * plan by label (one app port per device on this machine). Checked: both devices run the app
 * and report HEALTHY with the version; a plan signed by a key that is not the coordinator's is
 * refused by both and changes nothing; a device started after the plans were published
 * catches up by anti-entropy and runs its app.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { manifestFromJson } from '../../content/manifest/index.js'
import { encodeSignedPlan, Health } from '../../proto/index.js'
import { FleetStore } from '../../node/fleet/fleet-store.js'
import { keyIdOf } from '../../node/fleet/index.js'
import { silentLogger } from '../../node/logging/index.js'
import { meshNode } from '../../node/mesh/index.js'
import { openPlanStore, planGossip, plansTopic, reportReceiver, signPlan } from '../../node/plans/index.js'
import { systemClock, systemRandom } from '../../node/ports/index.js'
import { FLEET_NODE_CLI, FLEETS_CLI, runCli as cli, startFleetNode, tempDir } from '../support/fleet-node-proc.js'
import { appProcesses, httpGet } from '../support/app-client.js'
import { writeFixture } from '../fixtures/http-app.js'
import type { AgentStatus } from '../../node/agent/index.js'
import type { PlansView } from '../../node/cli/commands/join-plans.js'
import type { MeshNode } from '../../node/mesh/index.js'
import type { PlanGossip, ReportReceiver } from '../../node/plans/index.js'
import type { DeviceReport, Encodable, Plan } from '../../proto/index.js'
import type { RunningNode } from '../support/fleet-node-proc.js'
import type { PrivateKey } from '@libp2p/interface'

const LOOPBACK = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--rpc-port', '0']
const BASE_PORT = 21_000 + (process.pid % 1000) * 3
const PORTS = { a: BASE_PORT, b: BASE_PORT + 1, c: BASE_PORT + 2 }
const common = { clock: systemClock(), random: systemRandom(), logger: silentLogger }



async function until<T> (what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, onTimeout: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await Promise.resolve().then(probe).catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${onTimeout()}`)
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}


describe('deployment plans on real fleet-node processes', () => {
  let dir = ''
  let fleetId = ''
  let coordinatorKey: PrivateKey
  let mesh: MeshNode
  let gossip: PlanGossip
  let receiver: ReportReceiver
  let token = ''
  let manifest: NonNullable<Encodable<Plan>['manifest']>
  const reports: DeviceReport[] = []
  const nodes = new Map<string, { node: RunningNode, peerId: string }>()

  const coordinatorAddr = (): string => mesh.libp2p.getMultiaddrs()[0]?.toString() ?? ''
  const plansOf = async (name: string): Promise<PlansView> =>
    JSON.parse((await cli(FLEET_NODE_CLI, ['plans', '--json', '--storage-dir', nodes.get(name)?.node.storageDir ?? ''])).stdout) as PlansView
  const appsOf = async (name: string): Promise<AgentStatus> =>
    JSON.parse((await cli(FLEET_NODE_CLI, ['app', 'status', '--json', '--storage-dir', nodes.get(name)?.node.storageDir ?? ''])).stdout) as AgentStatus
  const logsOf = (name: string) => () => nodes.get(name)?.node.logs() ?? ''

  async function startNode (name: 'a' | 'b' | 'c', bootstrap: string[]): Promise<void> {
    const node = startFleetNode({
      storageDir: join(dir, `node-${name}`),
      args: [...LOOPBACK, '--token', token, '--label', `role=${name}`, '--label', 'group=plans-test', ...bootstrap.flatMap(b => ['--bootstrap', b])]
    })
    const status = await node.waitFor(`node ${name} to start`, s => s.peerId !== '', 20_000)
    nodes.set(name, { node, peerId: status.peerId })
  }

  async function signedPlanFor (role: string, key: PrivateKey = coordinatorKey, deploymentId = `dep-${role}`) {
    const nowMs = Date.now()
    const port = PORTS[role as keyof typeof PORTS] ?? BASE_PORT
    return await signPlan({
      fleetId, deploymentId, seq: 1, issuedMs: nowMs, expiresMs: nowMs + 3_600_000, strategy: 'all-at-once',
      app: {
        name: 'http-app', runtime: 'process', args: [], env: new Map([['PORT', String(port)]]), restartPolicy: '',
        healthCheck: { kind: 'http', httpPath: '/health', port, command: [], intervalMs: 200, timeoutMs: 1_000, failureThreshold: 2, startPeriodMs: 10_000 }
      },
      manifest,
      cohort: { phaseBasisPoints: [10_000], currentPhase: 0, target: `role=${role}` }
    }, key)
  }

  /** Publishes (and re-publishes, as a coordinator re-gossips) until `arrived`. */
  async function publishUntil (what: string, bytes: Uint8Array, raw: boolean, arrived: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 30_000
    for (;;) {
      if (raw) await mesh.libp2p.services.pubsub.publish(plansTopic(fleetId), bytes)
      else await gossip.publish(bytes)
      const next = Date.now() + 2_000
      while (Date.now() < next) {
        if (await arrived().catch(() => false)) return
        await new Promise(resolve => setTimeout(resolve, 250))
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${[...nodes.keys()].map(n => logsOf(n)()).join('\n')}`)
    }
  }

  beforeAll(async () => {
    dir = await tempDir('node-plans')
    const keysDir = join(dir, 'keys')
    const db = join(dir, 'fleet.db')
    expect((await cli(FLEETS_CLI, ['keys', 'generate', 'release', '--keys-dir', keysDir])).code).toBe(0)
    token = (await cli(FLEETS_CLI, ['token', 'create', '--db', db, '--release-key', 'release', '--keys-dir', keysDir])).stdout.trim()
    const fleet = await FleetStore.open(db)
    const { secrets } = await fleet.secrets(Date.now())
    await fleet.close()
    fleetId = secrets.fleetId
    coordinatorKey = secrets.fleetKey

    // The coordinator: a mesh node of the fleet holding plans, and the reports endpoint.
    const coordDir = join(dir, 'coordinator')
    mesh = meshNode({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, bootstrap: [], heartbeatIntervalMs: 1000 })({
      ...common, privateKey: await generateKeyPair('Ed25519'), storageDir: coordDir, agentVersion: 'test', membership: { fleetId, networkKey: secrets.networkKey }
    })
    await mesh.start()
    const trusted = [{ keyId: keyIdOf(coordinatorKey.publicKey.raw), publicKey: coordinatorKey.publicKey.raw, role: 'coordinator' }]
    gossip = planGossip()({ ...common, libp2p: mesh.libp2p, store: await openPlanStore(coordDir), fleetId, trustedKeys: () => trusted })
    await gossip.start()
    receiver = await reportReceiver(mesh.libp2p, async (report) => { reports.push(report); await Promise.resolve() })

    await startNode('a', [coordinatorAddr()])
    const aAddr = (await nodes.get('a')?.node.status())?.addresses[0] ?? ''
    await startNode('b', [coordinatorAddr(), aAddr])

    // The artifact, uploaded to node a (b and c fetch it from their peers).
    const { file } = await writeFixture(dir, { version: '1.0.0' })
    const up = await cli(FLEETS_CLI, ['artifact', 'upload', '--name', 'http-app', '--version', '1.0.0', '--type', 'script', '--file', file,
      '--platform', 'linux/amd64', '--keys-dir', keysDir, '--node-storage-dir', nodes.get('a')?.node.storageDir ?? '', '--json'])
    if (up.code !== 0) throw new Error(`upload failed: ${up.stderr}`)
    const parsed = manifestFromJson((JSON.parse(up.stdout) as { manifest: unknown }).manifest)
    manifest = parsed
  }, 90_000)

  afterAll(async () => {
    for (const [name, { node }] of nodes) {
      await cli(FLEET_NODE_CLI, ['app', 'remove', 'http-app', '--storage-dir', node.storageDir])
      const deadline = Date.now() + 20_000
      while (Date.now() < deadline && (await appProcesses(node.storageDir)).length > 0) await new Promise(resolve => setTimeout(resolve, 200))
      await node.stop()
      for (const pid of await appProcesses(join(dir, `node-${name}`))) { try { process.kill(-pid, 'SIGKILL') } catch {} }
    }
    await receiver?.stop()
    await gossip?.stop()
    await mesh?.stop()
  }, 90_000)

  it('both devices run their plan\'s app and report HEALTHY with the version', async () => {
    for (const role of ['a', 'b'] as const) {
      const bytes = encodeSignedPlan(await signedPlanFor(role))
      await publishUntil(`dep-${role} on ${role}`, bytes, false, async () => (await plansOf(role)).plans.some(p => p.deploymentId === `dep-${role}`))
    }
    for (const role of ['a', 'b'] as const) {
      const apps = await until(`${role} runs http-app 1.0.0`, async () => {
        const s = await appsOf(role)
        return s.apps.find(x => x.name === 'http-app')?.active === '1.0.0' ? s : undefined
      }, 60_000, logsOf(role))
      expect(apps.apps.find(x => x.name === 'http-app')?.active).toBe('1.0.0')
      expect(await httpGet(PORTS[role])).toBe('version 1.0.0')
      const peerId = nodes.get(role)?.peerId
      await until(`a HEALTHY report from ${role}`, () => reports.find(r => r.deviceId === peerId && r.deploymentId === `dep-${role}` && r.health === Health.HEALTHY && r.appVersion === '1.0.0'), 30_000, logsOf(role))
      const view = await plansOf(role)
      // Each device holds both plans (it relays them) but applied only its own.
      expect(view.plans.find(p => p.deploymentId === `dep-${role}`)).toMatchObject({ seq: 1, app: 'http-app', version: '1.0.0', phase: 0, applied: { seq: 1, outcome: 'applied' } })
      expect(view.device.groups).toEqual(['plans-test'])
      expect(view.outbox.dropped).toBe(0)
    }
    const other = (await plansOf('a')).plans.find(p => p.deploymentId === 'dep-b')
    expect(other?.applied?.outcome).toBe('skipped')
  }, 150_000)

  it('a plan signed by a key that is not the coordinator\'s is refused by both and changes nothing', async () => {
    const forger = await generateKeyPair('Ed25519')
    const forged = encodeSignedPlan(await signedPlanFor('a', forger, 'dep-forged'))
    await publishUntil('both refuse the forged plan', forged, true, async () => {
      const [a, b] = await Promise.all([plansOf('a'), plansOf('b')])
      return (a.rejected['unknown-key'] ?? 0) > 0 && (b.rejected['unknown-key'] ?? 0) > 0
    })
    for (const role of ['a', 'b'] as const) {
      const view = await plansOf(role)
      expect(view.plans.map(p => p.deploymentId)).not.toContain('dep-forged')
      expect(view.recentRejections.at(-1)).toMatchObject({ reason: 'unknown-key', source: 'gossip' })
      const text = (await cli(FLEET_NODE_CLI, ['plans', '--storage-dir', nodes.get(role)?.node.storageDir ?? ''])).stdout
      expect(text).toMatch(/refused {4}unknown-key \d+/)
      expect((await appsOf(role)).apps.find(x => x.name === 'http-app')?.active).toBe('1.0.0')
      const peerId = nodes.get(role)?.peerId
      await until(`a FLEET_ERR_PLAN_REJECTED report from ${role}`, () => reports.find(r => r.deviceId === peerId && r.errorCode === 'FLEET_ERR_PLAN_REJECTED'), 30_000, logsOf(role))
    }
  }, 90_000)

  it('a device started after the plans were published catches up by anti-entropy and runs its app', async () => {
    // dep-c is published while no device it targets is running.
    const bytes = encodeSignedPlan(await signedPlanFor('c'))
    await publishUntil('dep-c on a', bytes, false, async () => (await plansOf('a')).plans.some(p => p.deploymentId === 'dep-c'))
    const aAddr = (await nodes.get('a')?.node.status())?.addresses[0] ?? ''
    await startNode('c', [coordinatorAddr(), aAddr])
    await until('c runs http-app 1.0.0', async () => (await appsOf('c')).apps.find(x => x.name === 'http-app')?.active === '1.0.0' ? true : undefined, 60_000, logsOf('c'))
    expect(await httpGet(PORTS.c)).toBe('version 1.0.0')
    const view = await plansOf('c')
    expect(view.gossip.accepted.sync).toBeGreaterThanOrEqual(1)
    expect(view.plans.map(p => p.deploymentId)).not.toContain('dep-forged')
    const peerId = nodes.get('c')?.peerId
    await until('a HEALTHY report from c', () => reports.find(r => r.deviceId === peerId && r.deploymentId === 'dep-c' && r.health === Health.HEALTHY), 30_000, logsOf('c'))
  }, 120_000)
})
