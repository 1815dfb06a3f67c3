/**
 * The swarm on real libp2p nodes (in-process, loopback, mDNS off): one node imports a file,
 * three fetch it at once through /fleetd/swarm, and every fetched copy is byte-identical.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FsBlockstore } from 'blockstore-fs'
import { importer } from 'ipfs-unixfs-importer'
import { exporter } from 'ipfs-unixfs-exporter'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { afterAll, describe, expect, it } from 'vitest'
import { bitswapExchange } from '../../content/exchange/bitswap-exchange.js'
import { resolveDag, SwarmService } from '../../content/swarm/index.js'
import { silentLogger } from '../../node/logging/index.js'
import { meshNode } from '../../node/mesh/index.js'
import { systemClock, systemRandom } from '../../node/ports/index.js'
import type { MeshNode } from '../../node/mesh/index.js'
import type { CID } from 'multiformats/cid'

const networkKey = new TextEncoder().encode('/key/swarm/psk/1.0.0/\n/base16/\n' + 'ab'.repeat(32))

interface TestNode { mesh: MeshNode, blockstore: FsBlockstore, swarm: SwarmService, stop(): Promise<void> }

async function startNode (bootstrap?: string): Promise<TestNode> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetd-swarm-'))
  const mesh = meshNode({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, bootstrap: bootstrap == null ? [] : [bootstrap], heartbeatIntervalMs: 1000 })({
    clock: systemClock(), random: systemRandom(), logger: silentLogger, privateKey: await generateKeyPair('Ed25519'),
    storageDir: dir, agentVersion: 'test', membership: { fleetId: 'fleet-swarm-test', networkKey }
  })
  await mesh.start()
  const blockstore = new FsBlockstore(join(dir, 'blocks'))
  await blockstore.open()
  const exchange = await bitswapExchange({ libp2p: mesh.libp2p, blockstore })
  const swarm = new SwarmService({ libp2p: mesh.libp2p, blockstore, exchange, clock: systemClock(), logger: silentLogger })
  await swarm.start()
  return {
    mesh, blockstore, swarm,
    stop: async () => { await swarm.stop(); await exchange.stop(); await mesh.stop(); await blockstore.close() }
  }
}

async function importBytes (blockstore: FsBlockstore, bytes: Uint8Array): Promise<CID> {
  let root: CID | undefined
  for await (const entry of importer([{ content: bytes }], blockstore, { cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: 64 * 1024 }) })) root = entry.cid
  if (root == null) throw new Error('import produced nothing')
  return root
}

async function readBack (blockstore: FsBlockstore, root: CID): Promise<Buffer> {
  const entry = await exporter(root, blockstore)
  if (entry.type !== 'file' && entry.type !== 'raw') throw new Error(`expected a file, got ${entry.type}`)
  const chunks: Uint8Array[] = []
  for await (const chunk of entry.content()) chunks.push(chunk)
  return Buffer.concat(chunks)
}

describe('swarm on loopback libp2p nodes', () => {
  const nodes: TestNode[] = []
  afterAll(async () => { await Promise.allSettled(nodes.map(async n => { await n.stop() })) })

  it('three fetchers get a 3 MiB artifact from one seed and from each other', async () => {
    const seed = await startNode()
    nodes.push(seed)
    const addr = seed.mesh.libp2p.getMultiaddrs()[0]?.toString() ?? ''
    for (let i = 0; i < 3; i++) nodes.push(await startNode(addr))
    const fetchers = nodes.slice(1)
    // Fetchers also connect to each other, as they would on a LAN.
    for (const f of fetchers) for (const g of fetchers) if (f !== g) await f.mesh.libp2p.dial(g.mesh.libp2p.getMultiaddrs())
    const data = randomBytes(3 * 1024 * 1024)
    const root = await importBytes(seed.blockstore, data)

    const results = await Promise.all(fetchers.map(async f => await f.swarm.fetch(root, { signal: AbortSignal.timeout(30_000) })))
    for (const [i, f] of fetchers.entries()) {
      expect((await readBack(f.blockstore, root)).equals(data)).toBe(true)
      expect(results[i]?.blocksHave).toBe(48)
    }
    // Fetchers served each other: the seed uploaded less than the three copies the fetchers received.
    const received = results.reduce((sum, r) => sum + r.bytesFromPeers + 0, 0)
    const seedUploaded = seed.swarm.uploads()[root.toString()] ?? 0
    expect(received).toBeGreaterThanOrEqual(3 * data.length)
    expect(seedUploaded).toBeLessThan(received)
  }, 60_000)

  it('a fetch whose only source holds a damaged block fails with the reason, keeping what it fetched', async () => {
    const seed = await startNode()
    const fetcher = await startNode(seed.mesh.libp2p.getMultiaddrs()[0]?.toString())
    nodes.push(seed, fetcher)
    while (fetcher.mesh.libp2p.getPeers().length === 0) await new Promise(resolve => setTimeout(resolve, 50))
    const data = randomBytes(1024 * 1024)
    const root = await importBytes(seed.blockstore, data)
    // Damage one leaf on the seed's disk, as a bad sector or a tampering would.
    const leaves = (await resolveDag({ blockstore: seed.blockstore }, root)).leaves
    const damaged = leaves[5]
    if (damaged == null) throw new Error('expected 16 leaves')
    await seed.blockstore.put(damaged, randomBytes(64 * 1024))

    const failure = await fetcher.swarm.fetch(root, { stallTimeoutMs: 4_000, signal: AbortSignal.timeout(30_000) }).then(() => undefined, (err: unknown) => err as Error)
    expect(failure?.message).toMatch(/no block of .* arrived for 4 s: 15 of 16 blocks held/)
    expect(failure?.message).toMatch(/fetch again when a peer holding the artifact is online/)
    // The 15 good blocks are kept: a later fetch from a good source only needs the damaged one.
    for (const [i, cid] of leaves.entries()) expect(await fetcher.blockstore.has(cid)).toBe(i !== 5)
  }, 60_000)
})
