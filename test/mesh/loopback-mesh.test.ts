/**
 * The real fleet-node CLI on loopback with mDNS off (no multicast outside a namespace):
 * joining through a bootstrap address, refusing strangers, and failing clearly on bad input.
 */
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createToken, FLEET_NODE_CLI, FLEETS_CLI, runCli, startFleetNode, tempDir } from '../support/fleet-node-proc.js'
import type { CliRun, RunningNode } from '../support/fleet-node-proc.js'
import type { AddressInfo } from 'node:net'

const LOOPBACK = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--rpc-port', '0', '--heartbeat-ms', '1000']
const running: RunningNode[] = []

afterAll(async () => {
  await Promise.allSettled(running.map(async n => await n.stop()))
})

function start (storageDir: string, args: string[], env: NodeJS.ProcessEnv = {}): RunningNode {
  const node = startFleetNode({ storageDir, args, env })
  running.push(node)
  return node
}

const cli = async (file: string, args: string[]): Promise<CliRun> => await runCli(file, args, 15_000)

describe('fleet-node on loopback (mDNS off)', () => {
  it('joins a fleet through a bootstrap address, and both members see each other announce', async () => {
    const dir = await tempDir('boot')
    const token = await createToken(join(dir, 'fleet.db'))
    const a = start(join(dir, 'a'), [...LOOPBACK, '--token', token, '--name', 'alpha', '--label', 'site=lab'])
    const aStatus = await a.waitFor('node a to listen', s => s.addresses.length > 0, 15_000)
    const b = start(join(dir, 'b'), [...LOOPBACK, '--name', 'beta', '--bootstrap', aStatus.addresses[0] ?? ''], { FLEETD_TOKEN: token })

    const seen = await b.waitFor('b to see alpha', s => s.peers.some(p => p.name === 'alpha' && p.status === 'online'), 20_000)
    expect(seen.connections.map(c => c.peerId)).toContain(aStatus.peerId)
    expect(seen.peers.find(p => p.name === 'alpha')?.labels).toEqual({ site: 'lab' })
    const aSeen = await a.waitFor('a to see beta', s => s.peers.some(p => p.name === 'beta'), 20_000)
    expect(aSeen.fleetId).toBe(seen.fleetId)
    const table = await cli(FLEET_NODE_CLI, ['peers', '--storage-dir', join(dir, 'a')])
    expect(table.stdout).toMatch(new RegExp(`${seen.peerId}\\s+beta\\s+\\S+\\s+1\\s+online`))
  })

  it('connects members that share only a bootstrap node to each other (peer exchange through presence)', async () => {
    const dir = await tempDir('pex')
    const token = await createToken(join(dir, 'fleet.db'))
    const a = start(join(dir, 'a'), [...LOOPBACK, '--token', token, '--name', 'hub'])
    const aStatus = await a.waitFor('the hub to listen', s => s.addresses.length > 0, 15_000)
    const b = start(join(dir, 'b'), [...LOOPBACK, '--token', token, '--name', 'left', '--bootstrap', aStatus.addresses[0] ?? ''])
    const c = start(join(dir, 'c'), [...LOOPBACK, '--token', token, '--name', 'right', '--bootstrap', aStatus.addresses[0] ?? ''])
    const cStatus = await c.waitFor('right to start', s => s.peerId !== '', 15_000)
    const bSeen = await b.waitFor('left to connect to right', s => s.connections.some(conn => conn.peerId === cStatus.peerId), 30_000)
    expect(bSeen.connections.map(conn => conn.peerId)).toContain(aStatus.peerId)
  })

  it('refuses another fleet\'s node and a node without a token, with a reason on both sides', async () => {
    const dir = await tempDir('refuse')
    const token = await createToken(join(dir, 'fleet.db'))
    const otherToken = await createToken(join(dir, 'other.db'))
    const member = start(join(dir, 'member'), [...LOOPBACK, '--token', token])
    const addr = (await member.waitFor('member to listen', s => s.addresses.length > 0, 15_000)).addresses[0] ?? ''
    const stranger = start(join(dir, 'stranger'), [...LOOPBACK, '--token', otherToken, '--bootstrap', addr])
    const tokenless = start(join(dir, 'tokenless'), [...LOOPBACK, '--bootstrap', addr])

    const memberStatus = await member.waitFor('two refusals at the member', s => s.refusals.total >= 2, 20_000)
    expect(memberStatus.refusals.recent.map(r => r.reason).sort()).toEqual(expect.arrayContaining(['network-key-mismatch', 'peer-has-no-token']))
    expect(memberStatus.connections).toEqual([])
    const strangerStatus = await stranger.waitFor('refusal at the stranger', s => s.refusals.total >= 1, 20_000)
    expect(strangerStatus.refusals.recent[0]?.reason).toBe('network-key-mismatch')
    expect(strangerStatus.connections).toEqual([])
    const tokenlessStatus = await tokenless.waitFor('refusal at the tokenless node', s => s.refusals.total >= 1, 20_000)
    expect(tokenlessStatus.refusals.recent[0]?.reason).toBe('local-has-no-token')
    expect(member.logs()).toMatch(/refused inbound connection from \/ip4\/127\.0\.0\.1\/tcp\/\d+: the peer is not a member of fleet/)
    expect(stranger.logs()).toMatch(/refused outbound connection to .*its network key differs/)
    expect(tokenless.logs()).toMatch(/this node has no join token/)
  })

  it('stops cleanly on SIGTERM and SIGINT, removing its status endpoint', async () => {
    const dir = await tempDir('signals')
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const node = start(join(dir, signal), LOOPBACK)
      await node.waitFor('status', () => true, 15_000)
      expect(await node.stop(signal)).toBe(0)
      expect(node.logs()).toMatch(/stopped/)
      const status = await cli(FLEET_NODE_CLI, ['status', '--storage-dir', join(dir, signal)])
      expect(status.code).toBe(1)
      expect(status.stderr).toMatch(/no fleet-node is running with storage dir/)
    }
  })

  it('fails with a clear message on bad flags, a busy port, a used or unusable storage dir, and a bad token', async () => {
    const dir = await tempDir('errors')
    const unknownFlag = await cli(FLEET_NODE_CLI, ['join', '--tokn', 'x'])
    expect(unknownFlag.code).toBe(2)
    expect(unknownFlag.stderr).toMatch(/Unknown option '--tokn'.*\n.*fleet-node join --help/)

    const badPort = await cli(FLEET_NODE_CLI, ['join', '--rpc-port', 'abc'])
    expect(badPort.code).toBe(2)
    expect(badPort.stderr).toMatch(/--rpc-port must be a port number/)

    const badToken = await cli(FLEET_NODE_CLI, ['join', '--storage-dir', join(dir, 't'), ...LOOPBACK, '--token', 'fleetd1_AAAAAAAAAA'])
    expect(badToken.code).toBe(1)
    expect(badToken.stderr).toMatch(/checksum does not match.*\[FLEET_ERR_BAD_TOKEN\]/)

    const file = join(dir, 'a-file')
    await writeFile(file, 'x')
    const notADir = await cli(FLEET_NODE_CLI, ['join', '--storage-dir', file, ...LOOPBACK])
    expect(notADir.code).toBe(1)
    expect(notADir.stderr).toMatch(/storage dir .*a-file.*--storage-dir/)

    const busy = createServer()
    await new Promise<void>(resolve => busy.listen(0, '127.0.0.1', resolve))
    const port = (busy.address() as AddressInfo).port
    try {
      const portInUse = await cli(FLEET_NODE_CLI, ['join', '--storage-dir', join(dir, 'p'), '--no-mdns', '--rpc-port', '0', '--listen', `/ip4/127.0.0.1/tcp/${port}`])
      expect(portInUse.code).toBe(1)
      expect(portInUse.stderr).toMatch(/address is in use.*--listen/)
      const rpcInUse = await cli(FLEET_NODE_CLI, ['join', '--storage-dir', join(dir, 'r'), '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--rpc-port', String(port)])
      expect(rpcInUse.code).toBe(1)
      expect(rpcInUse.stderr).toMatch(/status API port \d+ on 127.0.0.1 is in use/)
    } finally {
      busy.close()
    }

    const owner = start(join(dir, 'shared'), LOOPBACK)
    await owner.waitFor('status', () => true, 15_000)
    const second = await cli(FLEET_NODE_CLI, ['join', '--storage-dir', join(dir, 'shared'), ...LOOPBACK])
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(/in use by another FleetD process.*\[FLEET_ERR_STORAGE_LOCKED\]/)
  })
})

describe('fleets token create', () => {
  it('creates the fleet once and mints tokens for the same fleet afterwards', async () => {
    const dir = await tempDir('token')
    const db = join(dir, 'fleet.db')
    const first = await cli(FLEETS_CLI, ['token', 'create', '--db', db, '--fleet-id', 'plant-7', '--json'])
    expect(first.code).toBe(0)
    const a = JSON.parse(first.stdout) as { fleetId: string, token: string, created: boolean }
    const b = JSON.parse((await cli(FLEETS_CLI, ['token', 'create', '--db', db, '--json'])).stdout) as typeof a
    expect(a).toMatchObject({ fleetId: 'plant-7', created: true })
    expect(b).toMatchObject({ fleetId: 'plant-7', created: false })
    expect(b.token).toMatch(/^fleetd1_/)
    const clash = await cli(FLEETS_CLI, ['token', 'create', '--db', db, '--fleet-id', 'other-fleet'])
    expect(clash.code).toBe(1)
    expect(clash.stderr).toMatch(/already holds fleet plant-7/)
    const badId = await cli(FLEETS_CLI, ['token', 'create', '--db', db, '--fleet-id', 'Bad Id'])
    expect(badId.code).toBe(2)
  })

  it('prints versions for all three programs', async () => {
    for (const program of ['fleet-node', 'fleets', 'fleetp']) {
      const r = await cli(join('dist/node/cli', `${program}.js`), ['version', '--json'])
      expect(JSON.parse(r.stdout)).toMatchObject({ program, node: expect.stringMatching(/^24\./) as unknown })
    }
  })
})
