/**
 * `fleets discover` against real announcers on three namespace hosts: two `fleet-node join`
 * with mDNS on (h0, h1), a DNS-SD responder for `_ssh._tcp` beside the node on h1 (standing in
 * for a freshly flashed Raspberry Pi), and the built CLI run on h2. mDNS runs only inside these
 * namespaces; the test removes them even when it fails.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHostNetwork, netnsSupport, waitForLine } from '../support/netns-hosts.js'
import { createToken, FLEETS_CLI, startFleetNode, tempDir } from '../support/fleet-node-proc.js'
import type { HostNetwork } from '../support/netns-hosts.js'
import type { RunningNode } from '../support/fleet-node-proc.js'
import type { BrowseResult } from '../../node/discovery/index.js'
import type { ChildProcess } from 'node:child_process'

const MESH_TIMEOUT_MS = 45_000
const TEST_TIMEOUT_MS = 90_000
/** Node start-up of the CLI takes seconds on a loaded 2-core machine, on top of the 3 s listen. */
const DISCOVER_EXEC_TIMEOUT_MS = 45_000
const support = await netnsSupport()
if (!support.ok) console.warn(`fleets discover netns tests skipped: ${support.reason}`)

/**
 * A minimal DNS-SD responder (RFC 6763) with multicast-dns, as `node -e` runs it (CommonJS,
 * extra arguments from process.argv[1]): the meta query, the PTR of `_ssh._tcp` with SRV, TXT
 * and A in the additionals (as avahi answers), and SRV, TXT and A when asked for directly.
 */
const SSH_RESPONDER = `
const mdns = require('multicast-dns')()
const [instance, address] = process.argv.slice(1)
const type = '_ssh._tcp.local'
const fqdn = instance + '.' + type
const target = instance + '.local'
const srv = { name: fqdn, type: 'SRV', ttl: 120, data: { priority: 0, weight: 0, port: 22, target } }
const txt = { name: fqdn, type: 'TXT', ttl: 4500, data: ['board=netns-pi', 'os=raspios'] }
const a = { name: target, type: 'A', ttl: 120, data: address }
mdns.on('query', (query) => {
  const answers = []
  const additionals = []
  for (const q of query.questions) {
    if (q.name === '_services._dns-sd._udp.local' && q.type === 'PTR') answers.push({ name: q.name, type: 'PTR', ttl: 4500, data: type })
    if (q.name === type && q.type === 'PTR') { answers.push({ name: type, type: 'PTR', ttl: 4500, data: fqdn }); additionals.push(srv, txt, a) }
    if (q.name === fqdn && q.type === 'SRV') answers.push(srv)
    if (q.name === fqdn && q.type === 'TXT') answers.push(txt)
    if (q.name === target && q.type === 'A') answers.push(a)
  }
  if (answers.length > 0) mdns.respond({ answers, additionals })
})
mdns.on('ready', () => console.log('dns-sd responder ready'))
process.on('SIGTERM', () => mdns.destroy(() => process.exit(0)))
`

describe.skipIf(!support.ok)(`fleets discover on 3 namespace hosts${support.ok ? '' : ` (skipped: ${support.reason})`}`, () => {
  let network: HostNetwork
  let dir: string
  const nodes: RunningNode[] = []
  const peerIds: string[] = []
  let responder: ChildProcess | undefined

  async function discover (...args: string[]): Promise<BrowseResult> {
    const scanner = network.hosts[2]
    if (scanner == null) throw new Error('setup failed')
    const r = await scanner.exec(process.execPath, [FLEETS_CLI, 'discover', '--json', ...args], { timeoutMs: DISCOVER_EXEC_TIMEOUT_MS })
    if (r.code !== 0) throw new Error(`fleets discover ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
    return JSON.parse(r.stdout) as BrowseResult
  }

  beforeAll(async () => {
    network = await createHostNetwork({ count: 3, prefix: 'disc' })
    dir = await tempDir('netns-discover')
    const token = await createToken(join(dir, 'fleet.db'))
    for (const host of network.hosts.slice(0, 2)) {
      nodes.push(startFleetNode({ host, storageDir: join(dir, host.name), args: ['--token', token, '--rpc-port', '0', '--name', host.name] }))
    }
    // Connected to each other means both answer mDNS queries.
    const statuses = await Promise.all(nodes.map(async (n, i) =>
      await n.waitFor(`node ${i} to find the other by mDNS`, s => s.connections.length >= 1, MESH_TIMEOUT_MS)))
    peerIds.push(...statuses.map(s => s.peerId))
    const h1 = network.hosts[1]
    if (h1 == null) throw new Error('setup failed')
    responder = h1.spawn(process.execPath, ['-e', SSH_RESPONDER, 'netns-pi', h1.address])
    await waitForLine(responder, /dns-sd responder ready/, 10_000)
  }, TEST_TIMEOUT_MS)

  afterAll(async () => {
    responder?.kill('SIGTERM')
    await Promise.allSettled(nodes.map(async n => await n.stop()))
    await network?.destroy()
  }, TEST_TIMEOUT_MS)

  it('lists both FleetD nodes by peer id, with their addresses', async () => {
    const result = await discover()
    expect(result.nodes.map(n => n.peerId)).toEqual([...peerIds].sort())
    for (const [i, host] of network.hosts.slice(0, 2).entries()) {
      expect(result.nodes.find(n => n.peerId === peerIds[i])?.addresses).toContain(`/ip4/${host.address}/tcp/4710`)
    }
    expect(result.types).toEqual(['_fleetd._udp'])
    expect(result.services).toEqual([])
  }, TEST_TIMEOUT_MS)

  it('--service _ssh._tcp lists the responder with host, port, address and TXT', async () => {
    const result = await discover('--service', '_ssh._tcp', '--timeout', '2s')
    expect(result.services).toEqual([{
      type: '_ssh._tcp', name: 'netns-pi', fqdn: 'netns-pi._ssh._tcp.local', host: 'netns-pi.local', port: 22,
      addresses: [network.hosts[1]?.address], txt: { board: 'netns-pi', os: 'raspios' }
    }])
    expect(result.nodes).toEqual([])
  }, TEST_TIMEOUT_MS)

  it('--all lists _ssh._tcp among the types, its instance, and the FleetD nodes', async () => {
    const result = await discover('--all')
    expect(result.types).toEqual(expect.arrayContaining(['_fleetd._udp', '_ssh._tcp']))
    expect(result.services.map(s => `${s.type} ${s.name}`)).toContain('_ssh._tcp netns-pi')
    expect(result.nodes.map(n => n.peerId)).toEqual([...peerIds].sort())
  }, TEST_TIMEOUT_MS)

  it('prints a table without --json', async () => {
    const r = await network.hosts[2]?.exec(process.execPath, [FLEETS_CLI, 'discover'], { timeoutMs: DISCOVER_EXEC_TIMEOUT_MS })
    expect(r?.code).toBe(0)
    expect(r?.stdout).toMatch(/^PEER ID +ADDRESSES\n/)
    for (const id of peerIds) expect(r?.stdout).toContain(id)
  }, TEST_TIMEOUT_MS)
})
