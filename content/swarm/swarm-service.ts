import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { Bitfield } from './bitfield.js'
import {
  BITSWAP_FALLBACK_AFTER_MS, BITSWAP_FALLBACK_CONCURRENCY, DAG_FETCH_TIMEOUT_MS, DAG_PEERS_ASKED_MAX, DAG_PEERS_TRIED, FETCH_STALL_TIMEOUT_MS, INBOUND_STREAMS_MAX,
  LINKS_PER_SESSION_MAX, SWARM_PROTOCOL, TICK_MS
} from './constants.js'
import { resolveDag } from './dag.js'
import { dagNodeKey, receiveDag, sendDag } from './dag-transfer.js'
import type { DagNodes } from './dag-transfer.js'
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
  /** Give up when no block arrives for this long (blocks fetched so far are kept). @default FETCH_STALL_TIMEOUT_MS */
  stallTimeoutMs?: number
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
    const startMs = this.c.clock.nowMs()
    const session = await this.session(root, true, options.signal)
    if (session == null) throw new SwarmFetchError(`cannot resolve artifact ${root.toString()}`)
    this.log.info('fetching %s: %d blocks, %d held, DAG resolved in %d ms', root.toString(), session.leaves.length, session.have.count, this.c.clock.nowMs() - startMs)
    session.fetching = true
    let blocksFromBitswap = 0
    const report = (): FetchProgress => ({ ...session.progress(), blocksFromBitswap })
    if (session.complete) return report()
    // Ends the bitswap fallbacks still waiting when the fetch ends, however it ends.
    const fallbackScope = new AbortController()
    const fallbackSignal = options.signal != null ? AbortSignal.any([options.signal, fallbackScope.signal]) : fallbackScope.signal
    const onConnect = (evt: CustomEvent<PeerId>): void => { void this.openLink(session, evt.detail) }
    this.c.libp2p.addEventListener('peer:connect', onConnect)
    const unavailableSince = new Map<number, number>()
    let fallbacks = 0
    const stallTimeoutMs = options.stallTimeoutMs ?? FETCH_STALL_TIMEOUT_MS
    let lastCount = session.have.count
    let lastProgressMs = this.c.clock.nowMs()
    try {
      for (const peer of this.c.libp2p.getPeers().slice(0, LINKS_PER_SESSION_MAX)) void this.openLink(session, peer)
      // One tick timer at a time: the loop wakes for every block that arrives (progress), and
      // a new timer per wake cost ~5% of a fetcher's CPU (bench:transfer). Housekeeping (request
      // timeouts, stall check, bitswap fallbacks, an O(blocks) scan) runs once per tick.
      let tick: Promise<void> | undefined
      let housekeptMs = -Infinity
      while (!session.complete) {
        options.signal?.throwIfAborted()
        tick ??= this.c.clock.sleep(TICK_MS, { signal: options.signal }).finally(() => { tick = undefined })
        await Promise.race([session.waitForChange(), tick])
        options.onProgress?.(report())
        const now = this.c.clock.nowMs()
        if (session.have.count !== lastCount) {
          lastCount = session.have.count
          lastProgressMs = now
        }
        if (now - housekeptMs < TICK_MS) continue
        housekeptMs = now
        session.expireRequests()
        if (session.have.count === lastCount && now - lastProgressMs >= stallTimeoutMs) {
          throw new SwarmFetchError(stallMessage(session, stallTimeoutMs))
        }
        for (const index of session.unavailable()) {
          const since = unavailableSince.get(index) ?? now
          unavailableSince.set(index, since)
          if (now - since < BITSWAP_FALLBACK_AFTER_MS || fallbacks >= BITSWAP_FALLBACK_CONCURRENCY) continue
          const cid = session.leaves[index]
          if (cid == null) continue
          fallbacks++
          unavailableSince.delete(index)
          void this.c.exchange.retrieve(cid, { signal: fallbackSignal }).then(async data => {
            if (await session.accept(index, data)) blocksFromBitswap++
          }, (err: Error) => { this.log.debug('bitswap fallback for block %d failed: %s', index, err.message) })
            .finally(() => { fallbacks-- })
        }
      }
      options.onProgress?.(report())
      const done = report()
      this.log.info('fetched %s in %d ms: %d bytes from %d peers, %d blocks by bitswap', root.toString(), this.c.clock.nowMs() - startMs, done.bytesFromPeers, done.peers, done.blocksFromBitswap)
      return done
    } finally {
      fallbackScope.abort()
      this.c.libp2p.removeEventListener('peer:connect', onConnect)
      session.fetching = false
    }
  }

  /** The session of `root`, created from the local DAG (serving) or from the network (fetching). */
  private async session (root: CID, fetching: boolean, signal?: AbortSignal): Promise<SwarmSession | undefined> {
    const key = root.toString()
    const existing = this.sessions.get(key)
    if (existing != null) return existing
    let dag
    try {
      dag = await resolveDag({ blockstore: this.c.blockstore, ...(fetching ? { exchange: this.dagExchange(root, signal) } : {}) }, root, signal)
    } catch (err) {
      if (fetching) throw err
      return undefined
    }
    const have = new Bitfield(dag.leaves.length)
    for (const [i, cid] of dag.leaves.entries()) if (await this.c.blockstore.has(cid)) have.set(i)
    const raced = this.sessions.get(key)
    if (raced != null) return raced
    const session = new SwarmSession({ blockstore: this.c.blockstore, clock: this.c.clock, logger: this.log }, root, dag, have, this.rankSeed, fetching)
    this.sessions.set(key, session)
    return session
  }

  /**
   * Where a fetch gets internal DAG nodes: asked of swarm peers in one round trip on first use
   * (dag-transfer.ts), then bitswap for anything they did not send.
   */
  private dagExchange (root: CID, signal?: AbortSignal): Pick<BlockExchange, 'retrieve'> {
    let fromPeers: Promise<DagNodes> | undefined
    return {
      retrieve: async (cid, options) => {
        fromPeers ??= this.dagFromPeers(root, signal)
        const key = dagNodeKey(cid)
        const node = key == null ? undefined : (await fromPeers).get(key)
        return node ?? await this.c.exchange.retrieve(cid, options)
      }
    }
  }

  /**
   * Asks connected peers for the DAG, DAG_PEERS_TRIED at once, and takes the first that holds
   * it. One after another, a fetch started with two slow or busy peers first spent 10.6 s here
   * (two DAG_FETCH_TIMEOUT_MS) before its first block (bench:content, 12 hosts); the nodes are a
   * few KiB, so asking several peers at once costs little.
   */
  private async dagFromPeers (root: CID, signal?: AbortSignal): Promise<DagNodes> {
    const peers = this.c.libp2p.getPeers()
    for (let start = 0; start < Math.min(peers.length, DAG_PEERS_ASKED_MAX); start += DAG_PEERS_TRIED) {
      const round = new AbortController()
      const roundSignal = AbortSignal.any([round.signal, AbortSignal.timeout(DAG_FETCH_TIMEOUT_MS), ...(signal != null ? [signal] : [])])
      const asks = peers.slice(start, start + DAG_PEERS_TRIED).map(async peer => {
        const nodes = await receiveDag(this.c.libp2p, peer, root, roundSignal).catch((err: Error) => {
          this.log.debug('no DAG of %s from %s: %s', root.toString(), peer.toString(), err.message)
          return new Map() as DagNodes
        })
        if (nodes.size === 0) throw new Error(`${peer.toString()} does not hold ${root.toString()}`)
        return nodes
      })
      try {
        return await Promise.any(asks)
      } catch {
        signal?.throwIfAborted()
      } finally {
        // The first answer wins: the other asks are cancelled.
        round.abort()
      }
    }
    return new Map()
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
        if (hello.blocks === 0) await sendDag(link, this.c.blockstore, session.nodes)
        return
      }
      await session.handle(link, message)
    }).catch(() => {})
    session?.removeLink(link)
  }
}

/** Says why a fetch stalled: who was connected, who sent bad blocks, and that nothing is lost. */
function stallMessage (session: SwarmSession, stallTimeoutMs: number): string {
  const bad = [...session.links.values()].filter(l => l.badBlocks > 0).map(l => `${l.peer} (${l.badBlocks} bad)`)
  const holders = [...session.links.values()].filter(l => l.have.count > 0).length
  return `no block of ${session.root.toString()} arrived for ${Math.round(stallTimeoutMs / 1000)} s: ` +
    `${session.have.count} of ${session.leaves.length} blocks held, ${session.links.size} swarm peers, ${holders} holding any` +
    (bad.length > 0 ? `, blocks failing their hash from ${bad.join(', ')}` : '') +
    '; fetch again when a peer holding the artifact is online (blocks already fetched are kept)'
}
