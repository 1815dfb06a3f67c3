import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { Bitfield } from './bitfield.js'
import {
  BITSWAP_FALLBACK_AFTER_MS, BITSWAP_FALLBACK_CONCURRENCY, INBOUND_STREAMS_MAX, LINKS_PER_SESSION_MAX,
  SWARM_PROTOCOL, TICK_MS
} from './constants.js'
import { resolveLeaves } from './dag-leaves.js'
import { SwarmFetchError } from './errors.js'
import { SwarmLink } from './swarm-link.js'
import { SwarmSession } from './swarm-session.js'
import type { SessionProgress } from './swarm-session.js'
import type { ComponentLogger, Logger } from '../../node/logging/index.js'
import type { Clock } from '../../node/ports/index.js'
import type { BlockExchange } from '../exchange/bitswap-exchange.js'
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'

export interface SwarmComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol' | 'getPeers' | 'peerId' | 'addEventListener' | 'removeEventListener'>
  blockstore: Pick<Blockstore, 'get' | 'put' | 'has'>
  exchange: Pick<BlockExchange, 'retrieve'>
  clock: Clock
  logger: ComponentLogger
}

export interface FetchProgress extends SessionProgress {
  blocksFromBitswap: number
}

export interface FetchOptions {
  signal?: AbortSignal
  onProgress?(progress: FetchProgress): void
}

/**
 * Serves every artifact this node holds and fetches artifacts from all connected peers at
 * once (see swarm-session.ts and scheduler.ts for how blocks are chosen).
 */
export class SwarmService {
  private readonly sessions = new Map<string, SwarmSession>()
  private readonly log: Logger
  private readonly rankSeed: number

  constructor (private readonly c: SwarmComponents) {
    this.log = c.logger.forComponent('fleet:swarm')
    this.rankSeed = createHash('sha256').update(c.libp2p.peerId.toString()).digest().readUInt32LE(0)
  }

  async start (): Promise<void> {
    await this.c.libp2p.handle(SWARM_PROTOCOL, (stream, connection) => { void this.onInbound(stream, connection) }, { maxInboundStreams: INBOUND_STREAMS_MAX })
  }

  async stop (): Promise<void> {
    await this.c.libp2p.unhandle(SWARM_PROTOCOL)
    for (const session of this.sessions.values()) for (const link of session.links.values()) link.close()
    this.sessions.clear()
  }

  /** Bytes this node uploaded per artifact, for benchmarks and status. */
  uploads (): Record<string, number> {
    return Object.fromEntries([...this.sessions].map(([root, s]) => [root, s.bytesUploaded]))
  }

  /** Fetches every leaf of `root` into the blockstore; blocks already there are never fetched again. */
  async fetch (root: CID, options: FetchOptions = {}): Promise<FetchProgress> {
    const session = await this.session(root, true, options.signal)
    if (session == null) throw new SwarmFetchError(`cannot resolve artifact ${root.toString()}`)
    session.fetching = true
    let blocksFromBitswap = 0
    const report = (): FetchProgress => ({ ...session.progress(), blocksFromBitswap })
    if (session.complete) return report()
    const onConnect = (evt: CustomEvent<PeerId>): void => { void this.openLink(session, evt.detail) }
    this.c.libp2p.addEventListener('peer:connect', onConnect)
    const unavailableSince = new Map<number, number>()
    let fallbacks = 0
    try {
      for (const peer of this.c.libp2p.getPeers().slice(0, LINKS_PER_SESSION_MAX)) void this.openLink(session, peer)
      while (!session.complete) {
        options.signal?.throwIfAborted()
        await Promise.race([session.waitForChange(), this.c.clock.sleep(TICK_MS, { signal: options.signal })])
        session.expireRequests()
        options.onProgress?.(report())
        const now = this.c.clock.nowMs()
        for (const index of session.unavailable()) {
          const since = unavailableSince.get(index) ?? now
          unavailableSince.set(index, since)
          if (now - since < BITSWAP_FALLBACK_AFTER_MS || fallbacks >= BITSWAP_FALLBACK_CONCURRENCY) continue
          const cid = session.leaves[index]
          if (cid == null) continue
          fallbacks++
          unavailableSince.delete(index)
          void this.c.exchange.retrieve(cid, { signal: options.signal }).then(async data => {
            if (await session.accept(index, data)) blocksFromBitswap++
          }, (err: Error) => { this.log.debug('bitswap fallback for block %d failed: %s', index, err.message) })
            .finally(() => { fallbacks-- })
        }
      }
      options.onProgress?.(report())
      return report()
    } finally {
      this.c.libp2p.removeEventListener('peer:connect', onConnect)
      session.fetching = false
    }
  }

  /** The session of `root`, created from the local DAG (serving) or from the network (fetching). */
  private async session (root: CID, fetching: boolean, signal?: AbortSignal): Promise<SwarmSession | undefined> {
    const key = root.toString()
    const existing = this.sessions.get(key)
    if (existing != null) return existing
    let leaves
    try {
      leaves = await resolveLeaves({ blockstore: this.c.blockstore, ...(fetching ? { exchange: this.c.exchange } : {}) }, root, signal)
    } catch (err) {
      if (fetching) throw err
      return undefined
    }
    const have = new Bitfield(leaves.length)
    for (const [i, cid] of leaves.entries()) if (await this.c.blockstore.has(cid)) have.set(i)
    const raced = this.sessions.get(key)
    if (raced != null) return raced
    const session = new SwarmSession({ blockstore: this.c.blockstore, clock: this.c.clock, logger: this.log }, root, leaves, have, this.rankSeed, fetching)
    this.sessions.set(key, session)
    return session
  }

  private async openLink (session: SwarmSession, peer: PeerId): Promise<void> {
    const key = peer.toString()
    if (session.links.has(key) || session.links.size >= LINKS_PER_SESSION_MAX) return
    let stream: Stream
    try {
      stream = await this.c.libp2p.dialProtocol(peer, SWARM_PROTOCOL)
    } catch (err) {
      this.log.debug('no swarm stream to %s: %s', key, (err as Error).message)
      return
    }
    const link = new SwarmLink(key, stream, 0)
    await link.send(session.hello())
    let first = true
    // The read loop runs for the life of the link; the caller does not wait for it.
    void link.readLoop(async (message) => {
      if (first) {
        first = false
        const hello = message.hello
        if (hello == null || hello.root !== session.root.toString() || hello.blocks !== session.leaves.length) { link.close(); return }
        await session.addLink(link, new Bitfield(hello.blocks, hello.bitfield), false)
        return
      }
      await session.handle(link, message)
    }).catch(() => {}).finally(() => { session.removeLink(link) })
  }

  private async onInbound (stream: Stream, connection: Connection): Promise<void> {
    const link = new SwarmLink(connection.remotePeer.toString(), stream, 0)
    let session: SwarmSession | undefined
    await link.readLoop(async (message) => {
      if (session == null) {
        const hello = message.hello
        let root: CID | undefined
        try { root = hello == null ? undefined : CID.parse(hello.root) } catch {}
        if (hello == null || root == null) { link.close(); return }
        session = await this.session(root, false)
        if (session == null || (hello.blocks !== 0 && hello.blocks !== session.leaves.length)) {
          await link.send({ hello: { root: hello.root, blocks: 0, bitfield: new Uint8Array() } })
          link.close()
          return
        }
        await session.addLink(link, new Bitfield(session.leaves.length, hello.bitfield), true)
        return
      }
      await session.handle(link, message)
    }).catch(() => {})
    session?.removeLink(link)
  }
}
