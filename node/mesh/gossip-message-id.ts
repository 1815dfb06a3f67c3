import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import type { RPC } from '@libp2p/gossipsub/message'

/**
 * Gossipsub's "fast message id": a key for a message as it arrives, before any validation.
 * Without one, gossipsub verifies the Ed25519 signature of every copy a node receives and only
 * then finds it a duplicate; with a mesh degree of 6 most copies are duplicates, and the idle
 * mesh's CPU profile had signature checks far above the rate of presence heartbeats.
 *
 * It is the origin's peer id and sequence number: the same pair gossipsub's own message id is
 * made of under StrictSign. A forged copy with a real pair cannot poison the cache, because
 * gossipsub records a fast id only after that copy has passed validation; a forged copy that
 * arrives after the real one is dropped, which is what should happen to it anyway.
 */
export function fastMessageId (msg: RPC.Message): string {
  if (msg.from == null || msg.seqno == null) return '' // unsigned: fails StrictSign validation, never cached
  return `${uint8ArrayToString(msg.from, 'base64')}:${uint8ArrayToString(msg.seqno, 'base64')}`
}
