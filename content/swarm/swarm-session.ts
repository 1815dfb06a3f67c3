import type { Bitfield } from './bitfield.js'
import { SWARM_INDICES_MAX } from '../../proto/index.js'
import { BAD_BLOCKS_MAX, ENDGAME_SOURCES_MAX, HAVE_BATCH_MS, INFLIGHT_PER_PEER_MAX, REFUSAL_HOLD_MS, REQUEST_TIMEOUT_MS, UPLOADS_QUEUED_PER_PEER_MAX } from './constants.js'
import { verifyBlockBytes } from './dag.js'
import { readVerifiedBlock } from '../store/index.js'
import { blockRanks, endgamePicks, pickRequests, seedRefuses } from './scheduler.js'
import type { SwarmLink } from './swarm-link.js'
import type { Logger } from '../../node/logging/index.js'
import type { Clock } from '../../node/ports/index.js'
import type { SwarmMessage } from '../../proto/index.js'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

export interface SessionComponents {
  blockstore: Pick<Blockstore, 'get' | 'put' | 'has'>
  clock: Clock
  logger: Logger
}

export interface SessionProgress {
  blocks: number
  bytesUploaded: number
  blocksHave: number
  bytesFromPeers: number
  peers: number
}

/** The artifact's DAG as a session knows it: leaves in file order and the internal nodes above them. */
export interface SessionDag {
  leaves: CID[]
  nodes: CID[]
}

/**
 * One artifact's swarm: which leaves we hold, which peers hold what, what is in flight.
 * Fetching sessions ask peers for blocks (scheduler.ts); every session serves what it holds.
 * A complete node (a seed) refuses a block it already uploaded or that a non-seed peer holds, a
 * few times per peer (seedRefuses), so its upload goes to blocks nobody has yet.
 */
export class SwarmSession {
  readonly have: Bitfield
  readonly links = new Map<string, SwarmLink>()
  readonly leaves: CID[]
  readonly nodes: CID[]
  /** Block index → number of links it is requested from (2+ only in the endgame). */
  private readonly inflight = new Map<number, number>()
  private readonly availability: Uint16Array
  private readonly availabilityNonSeed: Uint16Array
  private readonly uploads: Uint16Array
  private readonly rank: Uint32Array
  private readonly blockWaiters: Array<() => void> = []
  private readonly pendingHaves: number[] = []
  private haveFlushScheduled = false
  bytesFromPeers = 0
  bytesUploaded = 0

  constructor (
    private readonly c: SessionComponents,
    readonly root: CID,
    dag: SessionDag,
    have: Bitfield,
    rankSeed: number,
    public fetching: boolean
  ) {
    this.leaves = dag.leaves
    this.nodes = dag.nodes
    this.have = have
    this.availability = new Uint16Array(this.leaves.length)
    this.availabilityNonSeed = new Uint16Array(this.leaves.length)
    this.uploads = new Uint16Array(this.leaves.length)
    this.rank = blockRanks(this.leaves.length, rankSeed)
  }

  get complete (): boolean {
    return this.have.complete
  }

  progress (): SessionProgress {
    return { blocks: this.leaves.length, bytesUploaded: this.bytesUploaded, blocksHave: this.have.count, bytesFromPeers: this.bytesFromPeers, peers: this.links.size }
  }

  hello (): Omit<SwarmMessage, 'version'> {
    return { hello: { root: this.root.toString(), blocks: this.leaves.length, bitfield: this.have.toBytes() } }
  }

  /** Registers a link whose hello we received; replies with ours when `reply`. */
  async addLink (link: SwarmLink, peerHave: Bitfield, reply: boolean): Promise<void> {
    const existing = this.links.get(link.peer)
    if (existing != null) {
      // Retire the old link fully before replacing it: its in-flight requests and holder
      // counts would otherwise stay forever (its removeLink comes too late to find it) and the
      // fetch would wait on blocks nobody is sending.
      this.removeLink(existing)
      existing.close()
    }
    link.have = peerHave
    link.loadBlock = async (index) => await this.loadBlock(index)
    link.onUploaded = (_index, bytes) => { this.bytesUploaded += bytes }
    this.links.set(link.peer, link)
    this.countHolder(peerHave, link.seed, +1)
    if (reply) await link.send(this.hello())
    this.pump()
  }

  removeLink (link: SwarmLink): void {
    if (this.links.get(link.peer) !== link) return
    this.links.delete(link.peer)
    this.countHolder(link.have, link.seed, -1)
    for (const index of [...link.inflight.keys()]) this.dropInflight(link, index)
    // Copies sent to a peer that left are no copies elsewhere: a seed must serve those blocks again.
    for (const index of link.sentTo) this.countUpload(index, -1)
    link.sentTo.clear()
    this.pump()
  }

  async handle (link: SwarmLink, message: SwarmMessage): Promise<void> {
    if (message.have != null) {
      const wasSeed = link.seed
      for (const i of message.have.indices) {
        if (!link.have.set(i)) continue
        this.availability[i] = (this.availability[i] ?? 0) + 1
        if (!link.seed) this.availabilityNonSeed[i] = (this.availabilityNonSeed[i] ?? 0) + 1
      }
      // A peer that just completed turns into a seed: its blocks no longer count as non-seed copies.
      if (!wasSeed && link.seed) for (let i = 0; i < link.have.size; i++) this.availabilityNonSeed[i] = Math.max(0, (this.availabilityNonSeed[i] ?? 0) - 1)
      this.pump()
    } else if (message.request != null) {
      this.serve(link, message.request.indices)
    } else if (message.block != null) {
      await this.receive(link, message.block.index, message.block.data)
    } else if (message.reject != null) {
      const now = this.c.clock.nowMs()
      const missing = message.reject.reason === 'missing'
      for (const i of message.reject.indices) {
        this.dropInflight(link, i)
        link.refusedByPeer.set(i, now)
        // The peer does not hold it after all (e.g. it found the block damaged): stop counting it.
        if (missing && link.have.clear(i)) {
          this.availability[i] = Math.max(0, (this.availability[i] ?? 0) - 1)
          if (!link.seed) this.availabilityNonSeed[i] = Math.max(0, (this.availabilityNonSeed[i] ?? 0) - 1)
        }
      }
      this.pump()
    } else if (message.cancel != null) {
      // Withdrawn before sending: they no longer count as uploaded for super-seeding.
      for (const i of link.cancelUploads(message.cancel.indices)) {
        if (link.sentTo.delete(i)) this.countUpload(i, -1)
      }
    }
  }

  /** Ask every peer with free slots for the rarest blocks it holds; in the endgame, ask twice. */
  pump (): void {
    if (!this.fetching || this.complete) return
    const now = this.c.clock.nowMs()
    const state = { have: this.have, inflight: this.inflight, availability: this.availability, availabilityNonSeed: this.availabilityNonSeed, rank: this.rank }
    // Endgame (BitTorrent's): once every missing block is requested somewhere, idle peers ask
    // for the same blocks too, so the last blocks do not wait on the slowest peer.
    const endgame = this.leaves.length - this.have.count <= this.inflight.size
    for (const link of this.links.values()) {
      if (link.isClosed) continue
      const slots = INFLIGHT_PER_PEER_MAX - link.inflight.size
      if (slots <= 0) continue
      const refused = new Set<number>()
      for (const [i, atMs] of link.refusedByPeer) {
        if (now - atMs < REFUSAL_HOLD_MS) refused.add(i)
        else link.refusedByPeer.delete(i)
      }
      const peer = { have: link.have, inflight: link.inflight.size, seed: link.seed, refused }
      let picks = pickRequests(state, peer, slots)
      if (picks.length === 0 && endgame) picks = endgamePicks(state, peer, link.inflight, ENDGAME_SOURCES_MAX, slots)
      if (picks.length === 0) continue
      for (const i of picks) {
        this.inflight.set(i, (this.inflight.get(i) ?? 0) + 1)
        link.inflight.set(i, now)
      }
      void link.send({ request: { indices: picks } })
    }
  }

  /** Gives up requests older than the timeout so the blocks are asked elsewhere. */
  expireRequests (): void {
    const now = this.c.clock.nowMs()
    for (const link of this.links.values()) {
      for (const [i, sentMs] of link.inflight) {
        if (now - sentMs < REQUEST_TIMEOUT_MS) continue
        this.dropInflight(link, i)
        void link.send({ cancel: { indices: [i] } })
      }
    }
    this.pump()
  }

  /** Blocks nobody in the swarm offers (candidates for the bitswap fallback). */
  unavailable (): number[] {
    const out: number[] = []
    for (let i = 0; i < this.leaves.length; i++) {
      if (!this.have.has(i) && !this.inflight.has(i) && (this.availability[i] ?? 0) === 0) out.push(i)
    }
    return out
  }

  /** Records a block that arrived by another route (bitswap fallback). */
  async accept (index: number, data: Uint8Array): Promise<boolean> {
    const cid = this.leaves[index]
    if (cid == null || this.have.has(index)) return false
    if (!await verifyBlockBytes(cid, data)) return false
    await this.c.blockstore.put(cid, data)
    this.markHave(index)
    return true
  }

  waitForChange (): Promise<void> {
    return new Promise(resolve => { this.blockWaiters.push(resolve) })
  }

  private serve (link: SwarmLink, indices: number[]): void {
    const refused: number[] = []
    const missing: number[] = []
    for (const i of indices) {
      if (this.leaves[i] == null || !this.have.has(i)) { missing.push(i); continue }
      const refusedBefore = link.refusedToPeer.get(i) ?? 0
      const uploadsToOthers = (this.uploads[i] ?? 0) - (link.sentTo.has(i) ? 1 : 0)
      if (seedRefuses({ complete: this.complete, uploads: uploadsToOthers, heldElsewhere: this.availabilityNonSeed[i] ?? 0, refusedBefore })) {
        link.refusedToPeer.set(i, refusedBefore + 1)
        refused.push(i)
        continue
      }
      if (link.pendingUploads >= UPLOADS_QUEUED_PER_PEER_MAX) { refused.push(i); continue }
      if (!link.sentTo.has(i)) this.countUpload(i, +1)
      link.sentTo.add(i)
      link.queueUpload(i)
    }
    if (refused.length > 0) void link.send({ reject: { indices: refused, reason: 'elsewhere' } })
    if (missing.length > 0) void link.send({ reject: { indices: missing, reason: 'missing' } })
  }

  /**
   * Reads a block for upload, checked against its CID: a block damaged on our disk is never
   * sent. It is dropped from what we hold (so peers stop asking us) and answered "missing".
   */
  private async loadBlock (index: number): Promise<Uint8Array | undefined> {
    const cid = this.leaves[index]
    if (cid == null || !this.have.has(index)) return undefined
    try {
      return await readVerifiedBlock(this.c.blockstore, cid, this.root)
    } catch (err) {
      this.c.logger.warn('block %d of %s cannot be served: %s', index, this.root.toString(), (err as Error).message)
      this.have.clear(index)
      return undefined
    }
  }

  private countUpload (index: number, delta: number): void {
    this.uploads[index] = Math.max(0, (this.uploads[index] ?? 0) + delta)
  }

  private async receive (link: SwarmLink, index: number, data: Uint8Array): Promise<void> {
    this.dropInflight(link, index)
    const cid = this.leaves[index]
    if (cid == null || this.have.has(index)) { this.pump(); return }
    if (!await verifyBlockBytes(cid, data)) {
      link.badBlocks++
      this.c.logger.warn('peer %s sent block %d of %s that does not match its CID; refused (%d bad)', link.peer, index, this.root.toString(), link.badBlocks)
      if (link.badBlocks >= BAD_BLOCKS_MAX) link.close()
      this.pump()
      return
    }
    await this.c.blockstore.put(cid, data)
    this.bytesFromPeers += data.length
    // Endgame duplicates: withdraw the same request from the other peers.
    for (const other of this.links.values()) {
      if (other === link || !other.inflight.has(index)) continue
      this.dropInflight(other, index)
      void other.send({ cancel: { indices: [index] } })
    }
    this.markHave(index)
  }

  private flushHaves (): void {
    this.haveFlushScheduled = false
    const indices = this.pendingHaves.splice(0)
    if (indices.length === 0) return
    for (let i = 0; i < indices.length; i += SWARM_INDICES_MAX) {
      const batch = indices.slice(i, i + SWARM_INDICES_MAX)
      for (const other of this.links.values()) if (!other.seed && !other.isClosed) void other.send({ have: { indices: batch } })
    }
  }

  private dropInflight (link: SwarmLink, index: number): void {
    if (!link.inflight.delete(index)) return
    const left = (this.inflight.get(index) ?? 1) - 1
    if (left > 0) this.inflight.set(index, left)
    else this.inflight.delete(index)
  }

  private markHave (index: number): void {
    if (!this.have.set(index)) return
    // A complete peer has no use for our haves. Haves are batched per link (HAVE_BATCH_MS): with
    // ~80 KiB blocks, one message per block per peer was thousands of tiny encrypted frames.
    this.pendingHaves.push(index)
    if (!this.haveFlushScheduled) {
      this.haveFlushScheduled = true
      void this.c.clock.sleep(HAVE_BATCH_MS).then(() => { this.flushHaves() })
    }
    for (const wake of this.blockWaiters.splice(0)) wake()
    this.pump()
  }

  private countHolder (have: Bitfield, seed: boolean, delta: number): void {
    for (let i = 0; i < Math.min(have.size, this.leaves.length); i++) {
      if (!have.has(i)) continue
      this.availability[i] = Math.max(0, (this.availability[i] ?? 0) + delta)
      if (!seed) this.availabilityNonSeed[i] = Math.max(0, (this.availabilityNonSeed[i] ?? 0) + delta)
    }
  }
}
