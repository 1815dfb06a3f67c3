import { describe, expect, it } from 'vitest'
import { Bitfield } from './bitfield.js'
import { SEED_REFUSALS_MAX } from './constants.js'
import { blockRanks, endgamePicks, pickRequests, seedRefuses } from './scheduler.js'
import type { PeerView, SchedulerState } from './scheduler.js'

function state (size: number, opts: Partial<SchedulerState> = {}): SchedulerState {
  return {
    have: new Bitfield(size), inflight: new Map<number, number>(), availability: new Uint16Array(size).fill(1),
    availabilityNonSeed: new Uint16Array(size), rank: blockRanks(size, 42), ...opts
  }
}
const peer = (have: Bitfield, seed = false): PeerView => ({ have, inflight: 0, seed, refused: new Set() })

describe('Bitfield', () => {
  it('round-trips through bytes and ignores bits past its size', () => {
    const b = new Bitfield(10)
    b.set(0); b.set(9)
    expect(b.count).toBe(2)
    const copy = new Bitfield(10, b.toBytes())
    expect([copy.has(0), copy.has(1), copy.has(9), copy.count]).toEqual([true, false, true, 2])
    const noisy = new Bitfield(3, new Uint8Array([0xff]))
    expect(noisy.count).toBe(3)
    expect(noisy.complete).toBe(true)
  })
})

describe('pickRequests', () => {
  it('takes the rarest blocks first, skipping held, in-flight and refused ones', () => {
    const s = state(6, { availability: new Uint16Array([3, 1, 2, 1, 5, 1]), availabilityNonSeed: new Uint16Array([3, 1, 2, 1, 5, 1]) })
    s.have.set(5)
    const p = peer(Bitfield.full(6))
    expect(pickRequests({ ...s, inflight: new Map([[3, 1]]) }, { ...p, refused: new Set([1]) }, 2)).toEqual([2, 0])
  })

  it('asks a seed first for blocks no other peer offers, then for the rest', () => {
    const s = state(4, { availabilityNonSeed: new Uint16Array([1, 0, 1, 0]) })
    expect(pickRequests(s, peer(Bitfield.full(4), true), 2).sort()).toEqual([1, 3])
    const all = pickRequests(s, peer(Bitfield.full(4), true), 4)
    expect(all.slice(0, 2).sort()).toEqual([1, 3])
    expect(all.slice(2).sort()).toEqual([0, 2])
  })

  it('gives different fetchers different orders, so they hold different blocks early', () => {
    const s1 = state(64, { rank: blockRanks(64, 1) })
    const s2 = state(64, { rank: blockRanks(64, 2) })
    const seed = peer(Bitfield.full(64), true)
    const first1 = pickRequests(s1, seed, 4)
    const first2 = pickRequests(s2, seed, 4)
    expect(first1).toHaveLength(4)
    expect(first1).not.toEqual(first2)
  })

  it('in the endgame asks for blocks requested elsewhere, never twice of one peer nor beyond the source cap', () => {
    const s = state(5, { inflight: new Map([[0, 1], [1, 2], [2, 1]]) })
    s.have.set(4)
    // Block 3 is not requested anywhere (not an endgame pick); 1 is at the cap; 2 is already asked of this peer.
    expect(endgamePicks(s, peer(Bitfield.full(5)), new Set([2]), 2, 4)).toEqual([0])
    expect(endgamePicks(s, peer(Bitfield.full(5)), new Set(), 3, 4).slice(0, 2).sort()).toEqual([0, 2])
  })

  it('returns nothing without free slots', () => {
    expect(pickRequests(state(4), peer(Bitfield.full(4)), 0)).toEqual([])
  })
})

describe('blockRanks', () => {
  it('is a permutation, the same for the same seed', () => {
    const r = blockRanks(100, 7)
    expect([...r].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(blockRanks(100, 7)).toEqual(r)
  })

  it('seedRefuses: a seed refuses a block it sent or others hold, SEED_REFUSALS_MAX times per peer, then serves it', () => {
    const block = { complete: true, uploads: 0, heldElsewhere: 0, refusedBefore: 0 }
    expect(seedRefuses(block)).toBe(false)
    expect(seedRefuses({ ...block, uploads: 1 })).toBe(true)
    expect(seedRefuses({ ...block, heldElsewhere: 2 })).toBe(true)
    expect(seedRefuses({ ...block, uploads: 1, refusedBefore: SEED_REFUSALS_MAX - 1 })).toBe(true)
    expect(seedRefuses({ ...block, uploads: 1, refusedBefore: SEED_REFUSALS_MAX })).toBe(false)
    // A node still fetching serves whatever it holds.
    expect(seedRefuses({ ...block, complete: false, uploads: 5, heldElsewhere: 3 })).toBe(false)
  })
})
