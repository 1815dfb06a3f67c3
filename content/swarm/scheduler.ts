import { SEED_REFUSALS_MAX } from './constants.js'
import type { Bitfield } from './bitfield.js'

/**
 * Which blocks to ask a peer for, BitTorrent-style, as a pure function so it can be tested and
 * simulated. Naive bitswap had every fetcher ask for the same blocks in the same order at the
 * same time (DESIGN.md, "Swarm distribution"); here each fetcher prefers the rarest blocks
 * among its peers and breaks ties with its own random order, so fetchers hold different blocks
 * early and serve each other. A complete peer (a seed) is asked first for blocks no other peer
 * offers.
 */
export interface PeerView {
  have: Bitfield
  inflight: number
  /** Holds every block: asked last, so its upload goes to blocks nobody else has. */
  seed: boolean
  /** Blocks this peer refused because others hold them. */
  refused: ReadonlySet<number>
}

export interface SchedulerState {
  /** Blocks we hold. */
  have: Bitfield
  /** Blocks requested from some peer and not yet received. */
  inflight: { has(index: number): boolean, get(index: number): number | undefined }
  /** How many connected peers hold each block. */
  availability: Uint16Array
  /** How many of those peers are not seeds. */
  availabilityNonSeed: Uint16Array
  /** This node's tie-break rank of each block (a permutation, seeded by the peer id). */
  rank: Uint32Array
}

export function pickRequests (state: SchedulerState, peer: PeerView, slots: number): number[] {
  if (slots <= 0) return []
  const candidates: number[] = []
  for (let i = 0; i < state.have.size; i++) {
    if (state.have.has(i) || state.inflight.has(i) || !peer.have.has(i) || peer.refused.has(i)) continue
    candidates.push(i)
  }
  // From a seed, first what no other peer can give us (super-seeding from the fetcher side);
  // then the rarest, so the seed's uplink never idles while blocks are missing (measured: with
  // seeds asked only for blocks nobody else held, the seed sat idle for seconds at a time).
  const elsewhere = (i: number): number => peer.seed && (state.availabilityNonSeed[i] ?? 0) > 0 ? 1 : 0
  candidates.sort((a, b) => (elsewhere(a) - elsewhere(b)) ||
    ((state.availability[a] ?? 0) - (state.availability[b] ?? 0)) || ((state.rank[a] ?? 0) - (state.rank[b] ?? 0)))
  return candidates.slice(0, slots)
}

/**
 * Endgame picks: blocks already requested elsewhere (fewer than `sourcesMax` times) that this
 * peer holds and has not been asked for, fewest requests first. The first copy to arrive wins
 * and the other requests are cancelled.
 */
export function endgamePicks (state: SchedulerState, peer: PeerView, askedOfPeer: { has(index: number): boolean }, sourcesMax: number, slots: number): number[] {
  if (slots <= 0) return []
  const candidates: number[] = []
  for (let i = 0; i < state.have.size; i++) {
    const asked = state.inflight.get(i) ?? 0
    if (state.have.has(i) || asked === 0 || asked >= sourcesMax || askedOfPeer.has(i) || !peer.have.has(i) || peer.refused.has(i)) continue
    candidates.push(i)
  }
  candidates.sort((a, b) => ((state.inflight.get(a) ?? 0) - (state.inflight.get(b) ?? 0)) || ((state.rank[a] ?? 0) - (state.rank[b] ?? 0)))
  return candidates.slice(0, slots)
}

/** A permutation rank of `size` blocks from a 32-bit seed (xorshift32; deterministic). */
export function blockRanks (size: number, seed: number): Uint32Array {
  const order = Array.from({ length: size }, (_, i) => i)
  let x = (seed >>> 0) || 0x9e3779b9
  for (let i = size - 1; i > 0; i--) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    const j = x % (i + 1)
    const t = order[i] ?? 0
    order[i] = order[j] ?? 0
    order[j] = t
  }
  const rank = new Uint32Array(size)
  order.forEach((block, position) => { rank[block] = position })
  return rank
}

/**
 * Super-seeding, the serving side: whether a complete node answers "get it elsewhere" to a
 * request for a block. A seed spends its upload on blocks nobody else holds: a block it already
 * sent (the copy may still be on its way) or that a non-seed peer announced is refused, up to
 * SEED_REFUSALS_MAX times per peer and block, after which the peer gets it (its other sources
 * may have failed it). Refusing only once, as before, let peers re-ask after REFUSAL_HOLD_MS
 * while the first copy still sat in a 10 Mbit/s queue: the seed uploaded 2.8-2.9 copies of the
 * artifact instead of about one (bench:content, and the simulator's calibration against it).
 */
export function seedRefuses (block: { complete: boolean, uploads: number, heldElsewhere: number, refusedBefore: number }): boolean {
  if (!block.complete) return false
  if (block.uploads === 0 && block.heldElsewhere === 0) return false
  return block.refusedBefore < SEED_REFUSALS_MAX
}
