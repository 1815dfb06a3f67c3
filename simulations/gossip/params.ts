/**
 * Gossip parameters: gossipsub v1.1's defaults (the ones js-libp2p's @libp2p/gossipsub ships),
 * and FleetD's anti-entropy period from node/plans, so the model disseminates plans as the
 * real mesh does.
 */
import { SYNC_INTERVAL_MS } from '../../node/plans/constants.js'

export interface GossipParams {
  /** Mesh degree and its bounds. */
  D: number
  Dlo: number
  Dhi: number
  /** Non-mesh peers that get IHAVE each heartbeat. */
  Dlazy: number
  heartbeatMs: number
  /** Heartbeats a message id stays in IHAVE gossip (mcache_gossip). */
  gossipWindowHeartbeats: number
  /** Own messages go to every connected peer, not just the mesh (js-libp2p's floodPublish default). */
  floodPublish: boolean
  /** Period of anti-entropy with one random peer (jittered ×0.5–1, as PlanGossip does). */
  syncIntervalMs: number
  /** CPU time of one Ed25519 plan verification on a small device. */
  verifyCpuMs: number
  /** False models a node build that skips signature checks: only tests that prove the checkers can fail set it. */
  checkSignatures: boolean
}

export const DEFAULT_GOSSIP: GossipParams = {
  D: 6,
  Dlo: 4,
  Dhi: 12,
  Dlazy: 6,
  heartbeatMs: 1_000,
  gossipWindowHeartbeats: 3,
  floodPublish: true,
  syncIntervalMs: SYNC_INTERVAL_MS,
  verifyCpuMs: 0.5,
  checkSignatures: true
}

/** Wire sizes of control messages (protobuf framing plus ids), bytes. */
export const IHAVE_BYTES_BASE = 40
export const MESSAGE_ID_BYTES = 24
export const SYNC_SUMMARY_BYTES_BASE = 48
/** A PlanSummary entry: deployment id and seq. */
export const SYNC_SUMMARY_ENTRY_BYTES = 40
