/**
 * One node's view of one artifact, as content/swarm/swarm-session.ts keeps it: the blocks it
 * holds, each linked peer's blocks, availability counts, requests in flight, and the seed's
 * upload counts for super-seeding. Which blocks to ask for is decided by the real scheduler
 * (`pickRequests`, `endgamePicks`, `blockRanks` from content/swarm/scheduler.ts); what a peer
 * serves or refuses mirrors SwarmSession.serve line by line.
 */
import { Bitfield } from '../../content/swarm/bitfield.js'
import { blockRanks, endgamePicks, pickRequests, seedRefuses } from '../../content/swarm/scheduler.js'
import type { SchedulerState } from '../../content/swarm/scheduler.js'
import type { SwarmParams } from './params.js'

export interface SimLink {
  peer: number
  have: Bitfield
  /** Fetching side: block → when requested from this peer. */
  inflight: Map<number, number>
  refusedByPeer: Map<number, number>
  /** Serving side: how often each block was refused to this peer (seedRefuses). */
  refusedToPeer: Map<number, number>
  /** Serving side: blocks queued for this peer (SwarmLink.sentTo). */
  sentTo: Set<number>
  /** Blocks queued for upload to this peer, not yet handed to the network (a cancel withdraws them). */
  queue: number[]
}

export type DoneCallback = (ok: boolean, error?: string) => void

export class SimSession {
  readonly have: Bitfield
  readonly links = new Map<number, SimLink>()
  /** Peers a hello went to and no answer came yet. */
  readonly dialing = new Set<number>()
  readonly inflight = new Map<number, number>()
  readonly availability: Uint16Array
  readonly availabilityNonSeed: Uint16Array
  private readonly uploads: Uint16Array
  private readonly state: SchedulerState
  fetching = false
  /** A block of this session is on the uplink now. */
  uploading = false
  private uploadTurn = 0
  /** The fetcher has the artifact's DAG (the first holder sent it with its hello). */
  dagKnown: boolean
  dagAskedMs = -Infinity
  pendingHaves: number[] = []
  haveFlushScheduled = false
  startedMs = 0
  lastProgressMs = 0
  tickScheduled = false
  bytesFromPeers = 0
  bytesUploaded = 0
  readonly waiters: DoneCallback[] = []

  constructor (readonly node: number, readonly blocks: number, complete: boolean, rankSeed: number, private readonly params: SwarmParams) {
    this.have = complete ? Bitfield.full(blocks) : new Bitfield(blocks)
    this.dagKnown = complete
    this.availability = new Uint16Array(blocks)
    this.availabilityNonSeed = new Uint16Array(blocks)
    this.uploads = new Uint16Array(blocks)
    this.state = { have: this.have, inflight: this.inflight, availability: this.availability, availabilityNonSeed: this.availabilityNonSeed, rank: blockRanks(blocks, rankSeed) }
  }

  get complete (): boolean { return this.have.complete }

  addLink (peer: number, peerHave: Bitfield): SimLink {
    const existing = this.links.get(peer)
    if (existing !== undefined) this.removeLink(peer)
    const link: SimLink = { peer, have: peerHave, inflight: new Map(), refusedByPeer: new Map(), refusedToPeer: new Map(), sentTo: new Set(), queue: [] }
    this.links.set(peer, link)
    this.countHolder(peerHave, +1)
    return link
  }

  removeLink (peer: number): void {
    const link = this.links.get(peer)
    if (link === undefined) return
    this.links.delete(peer)
    this.countHolder(link.have, -1)
    for (const index of [...link.inflight.keys()]) this.dropInflight(link, index)
    for (const index of link.sentTo) this.countUpload(index, -1)
    link.sentTo.clear()
  }

  /** A have from `link`'s peer (SwarmSession.handle's have branch). */
  onHave (link: SimLink, indices: readonly number[]): void {
    const wasSeed = link.have.complete
    for (const i of indices) {
      if (!link.have.set(i)) continue
      this.availability[i] = (this.availability[i] ?? 0) + 1
      if (!link.have.complete) this.availabilityNonSeed[i] = (this.availabilityNonSeed[i] ?? 0) + 1
    }
    // A peer that just completed turns into a seed: its blocks no longer count as non-seed copies.
    if (!wasSeed && link.have.complete) for (let i = 0; i < link.have.size; i++) this.availabilityNonSeed[i] = Math.max(0, (this.availabilityNonSeed[i] ?? 0) - 1)
  }

  /** Requests to send: per link, the real scheduler's picks (rarest first, own order, endgame). */
  picks (nowMs: number, only?: SimLink): Array<[SimLink, number[]]> {
    if (!this.fetching || this.complete) return []
    const out: Array<[SimLink, number[]]> = []
    const endgame = this.blocks - this.have.count <= this.inflight.size
    for (const link of only !== undefined ? [only] : this.links.values()) {
      const slots = this.params.inflightPerPeerMax - link.inflight.size
      if (slots <= 0) continue
      const refused = new Set<number>()
      for (const [i, atMs] of link.refusedByPeer) {
        if (nowMs - atMs < this.params.refusalHoldMs) refused.add(i)
        else link.refusedByPeer.delete(i)
      }
      const peer = { have: link.have, inflight: link.inflight.size, seed: link.have.complete, refused }
      let picks = pickRequests(this.state, peer, slots)
      if (picks.length === 0 && endgame) picks = endgamePicks(this.state, peer, link.inflight, this.params.endgameSourcesMax, slots)
      if (picks.length === 0) continue
      for (const i of picks) {
        this.inflight.set(i, (this.inflight.get(i) ?? 0) + 1)
        link.inflight.set(i, nowMs)
      }
      out.push([link, picks])
    }
    return out
  }

  /** SwarmSession.serve: which requested blocks go out now, which are refused and why. */
  serve (link: SimLink, indices: readonly number[]): { send: number[], elsewhere: number[], missing: number[] } {
    const send: number[] = []; const elsewhere: number[] = []; const missing: number[] = []
    for (const i of indices) {
      if (i >= this.blocks || !this.have.has(i)) { missing.push(i); continue }
      const refusedBefore = link.refusedToPeer.get(i) ?? 0
      const uploadsToOthers = (this.uploads[i] ?? 0) - (link.sentTo.has(i) ? 1 : 0)
      if (seedRefuses({ complete: this.complete, uploads: uploadsToOthers, heldElsewhere: this.availabilityNonSeed[i] ?? 0, refusedBefore })) {
        link.refusedToPeer.set(i, refusedBefore + 1)
        elsewhere.push(i)
        continue
      }
      if (link.queue.length >= this.params.uploadsQueuedPerPeerMax) { elsewhere.push(i); continue }
      if (!link.sentTo.has(i)) this.countUpload(i, +1)
      link.sentTo.add(i)
      link.queue.push(i)
      send.push(i)
    }
    return { send, elsewhere, missing }
  }

  /** A reject from the peer: ask elsewhere; "missing" means the peer does not hold it after all. */
  onReject (link: SimLink, indices: readonly number[], missing: boolean, nowMs: number): void {
    for (const i of indices) {
      this.dropInflight(link, i)
      link.refusedByPeer.set(i, nowMs)
      if (missing && link.have.clear(i)) {
        this.availability[i] = Math.max(0, (this.availability[i] ?? 0) - 1)
        if (!link.have.complete) this.availabilityNonSeed[i] = Math.max(0, (this.availabilityNonSeed[i] ?? 0) - 1)
      }
    }
  }

  /** Requests older than the timeout are given up; returns them per link, to be cancelled. */
  expire (nowMs: number): Array<[SimLink, number[]]> {
    const out: Array<[SimLink, number[]]> = []
    for (const link of this.links.values()) {
      const expired = [...link.inflight].filter(([, sentMs]) => nowMs - sentMs >= this.params.requestTimeoutMs).map(([i]) => i)
      for (const i of expired) this.dropInflight(link, i)
      if (expired.length > 0) out.push([link, expired])
    }
    return out
  }

  dropInflight (link: SimLink, index: number): void {
    if (!link.inflight.delete(index)) return
    const left = (this.inflight.get(index) ?? 1) - 1
    if (left > 0) this.inflight.set(index, left)
    else this.inflight.delete(index)
  }

  /** A cancel from the peer: queued blocks not yet sent are withdrawn (and no longer count as uploaded). */
  onCancel (link: SimLink, indices: readonly number[]): void {
    for (const i of indices) {
      const at = link.queue.indexOf(i)
      if (at < 0) continue
      link.queue.splice(at, 1)
      if (link.sentTo.delete(i)) this.countUpload(i, -1)
    }
  }

  /** The next block to hand to the network: links take turns (TCP shares the uplink between connections). */
  nextUpload (): [SimLink, number] | undefined {
    const links = [...this.links.values()]
    for (let k = 0; k < links.length; k++) {
      const link = links[(this.uploadTurn + k) % links.length] as SimLink
      const i = link.queue.shift()
      if (i === undefined) continue
      this.uploadTurn = (this.uploadTurn + k + 1) % links.length
      return [link, i]
    }
    return undefined
  }

  private countUpload (index: number, delta: number): void {
    this.uploads[index] = Math.max(0, (this.uploads[index] ?? 0) + delta)
  }

  private countHolder (have: Bitfield, delta: number): void {
    const seed = have.complete
    for (let i = 0; i < Math.min(have.size, this.blocks); i++) {
      if (!have.has(i)) continue
      this.availability[i] = Math.max(0, (this.availability[i] ?? 0) + delta)
      if (!seed) this.availabilityNonSeed[i] = Math.max(0, (this.availabilityNonSeed[i] ?? 0) + delta)
    }
  }
}
