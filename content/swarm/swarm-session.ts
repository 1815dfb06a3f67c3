import type { Bitfield } from './bitfield.js'
import { BAD_BLOCKS_MAX, INFLIGHT_PER_PEER_MAX, REFUSAL_HOLD_MS, REQUEST_TIMEOUT_MS, UPLOADS_QUEUED_PER_PEER_MAX } from './constants.js'
import { readBlock, verifyBlockBytes } from './dag-leaves.js'
import { blockRanks, pickRequests } from './scheduler.js'
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

/**
 * One artifact's swarm: which leaves we hold, which peers hold what, what is in flight.
 * Fetching sessions ask peers for blocks (scheduler.ts); every session serves what it holds.
 * A complete node (a seed) refuses a block that other peers already hold the first time a
 * peer asks for it, so its upload goes to blocks nobody else has yet.
 */
export class SwarmSession {
  readonly have: Bitfield
  readonly links = new Map<string, SwarmLink>()
  private readonly inflight = new Set<number>()
  private readonly availability: Uint16Array
  private readonly availabilityNonSeed: Uint16Array
  private readonly uploads: Uint16Array
  private readonly rank: Uint32Array
  private readonly blockWaiters: Array<() => void> = []
  bytesFromPeers = 0
  bytesUploaded = 0

  constructor (
    private readonly c: SessionComponents,
    readonly root: CID,
    readonly leaves: CID[],
    have: Bitfield,
    rankSeed: number,
    public fetching: boolean
  ) {
    this.have = have
    this.availability = new Uint16Array(leaves.length)
    this.availabilityNonSeed = new Uint16Array(leaves.length)
    this.uploads = new Uint16Array(leaves.length)
    this.rank = blockRanks(leaves.length, rankSeed)
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
    this.links.set(link.peer, link)
    this.countHolder(peerHave, link.seed, +1)
    if (reply) await link.send(this.hello())
    this.pump()
  }

  removeLink (link: SwarmLink): void {
    if (this.links.get(link.peer) !== link) return
    this.links.delete(link.peer)
    this.countHolder(link.have, link.seed, -1)
    for (const index of link.inflight.keys()) this.inflight.delete(index)
    link.inflight.clear()
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
      // Not awaited: the read loop must keep taking blocks and haves while we upload.
      void this.serve(link, message.request.indices)
    } else if (message.block != null) {
      await this.receive(link, message.block.index, message.block.data)
    } else if (message.reject != null) {
      const now = this.c.clock.nowMs()
      for (const i of message.reject.indices) {
        link.inflight.delete(i)
        this.inflight.delete(i)
        link.refusedByPeer.set(i, now)
      }
      this.pump()
    }
    // cancel: uploads are answered in order and small in number; nothing to withdraw.
  }

  /** Ask every peer with free slots for the rarest blocks it holds. */
  pump (): void {
    if (!this.fetching || this.complete) return
    for (const link of this.links.values()) {
      if (link.isClosed) continue
      const now = this.c.clock.nowMs()
      const refused = new Set<number>()
      for (const [i, atMs] of link.refusedByPeer) {
        if (now - atMs < REFUSAL_HOLD_MS) refused.add(i)
        else link.refusedByPeer.delete(i)
      }
      const picks = pickRequests({ have: this.have, inflight: this.inflight, availability: this.availability, availabilityNonSeed: this.availabilityNonSeed, rank: this.rank },
        { have: link.have, inflight: link.inflight.size, seed: link.seed, refused }, INFLIGHT_PER_PEER_MAX - link.inflight.size)
      if (picks.length === 0) continue
      for (const i of picks) {
        this.inflight.add(i)
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
        link.inflight.delete(i)
        this.inflight.delete(i)
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

  private async serve (link: SwarmLink, indices: number[]): Promise<void> {
    const refused: number[] = []
    const missing: number[] = []
    for (const i of indices) {
      const cid = this.leaves[i]
      if (cid == null || !this.have.has(i)) { missing.push(i); continue }
      // Super-seeding: a complete node sends each block once before it sends any twice, so its
      // upload goes to blocks nobody else has; whoever got a block passes it on. A peer asking
      // again for a refused block gets it (its other sources may have failed it).
      if (this.complete && (this.uploads[i] ?? 0) > 0 && !link.refusedToPeer.has(i)) {
        link.refusedToPeer.add(i)
        refused.push(i)
        continue
      }
      if (link.pendingUploads >= UPLOADS_QUEUED_PER_PEER_MAX) { refused.push(i); continue }
      link.pendingUploads++
      this.uploads[i] = (this.uploads[i] ?? 0) + 1
      try {
        const data = await readBlock(this.c.blockstore, cid)
        await link.send({ block: { index: i, data } })
        this.bytesUploaded += data.length
      } catch {
        missing.push(i)
      } finally {
        link.pendingUploads--
      }
    }
    if (refused.length > 0) await link.send({ reject: { indices: refused, reason: 'elsewhere' } })
    if (missing.length > 0) await link.send({ reject: { indices: missing, reason: 'missing' } })
  }

  private async receive (link: SwarmLink, index: number, data: Uint8Array): Promise<void> {
    link.inflight.delete(index)
    this.inflight.delete(index)
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
    this.markHave(index)
  }

  private markHave (index: number): void {
    if (!this.have.set(index)) return
    for (const other of this.links.values()) void other.send({ have: { indices: [index] } })
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
