/**
 * Swarm parameters: the real swarm's limits (content/swarm/constants.ts), imported so the model
 * and the node cannot drift, plus the simulator's block granularity.
 */
import {
  ENDGAME_SOURCES_MAX, FETCH_STALL_TIMEOUT_MS, HAVE_BATCH_MS, INBOUND_STREAMS_MAX, INFLIGHT_PER_PEER_MAX, LINKS_PER_SESSION_MAX,
  REFUSAL_HOLD_MS, REQUEST_TIMEOUT_MS, TICK_MS, UPLOADS_QUEUED_PER_PEER_MAX
} from '../../content/swarm/constants.js'
import { RABIN_CHUNK_BYTES_AVG } from '../../content/store/constants.js'

export interface SwarmParams {
  /** Leaf size: the real chunker's average (content-defined chunks of 16–256 KiB). */
  blockBytes: number
  /**
   * At most this many blocks per artifact: a 20 MB artifact is ~320 real blocks, and 10,000
   * nodes × 320 blocks × their haves is more events than a minute of CPU buys. Coarser blocks
   * keep the same policy but pipeline less (each hop waits for a bigger block), so times err
   * on the slow side. Infinity keeps real block sizes (calibration, small runs).
   */
  blocksMax: number
  inflightPerPeerMax: number
  uploadsQueuedPerPeerMax: number
  linksPerSessionMax: number
  inboundLinksMax: number
  requestTimeoutMs: number
  refusalHoldMs: number
  endgameSourcesMax: number
  haveBatchMs: number
  tickMs: number
  stallTimeoutMs: number
  /**
   * Devices also link to the coordinator, their bootstrap peer (node/mesh redials bootstrap
   * peers, so that connection stays up while the coordinator has room): without it the first
   * canary devices, scattered over the fleet, would have no neighbour holding the artifact.
   */
  coordinatorIsBootstrap: boolean
}

export const DEFAULT_SWARM: SwarmParams = {
  blockBytes: RABIN_CHUNK_BYTES_AVG,
  blocksMax: 64,
  inflightPerPeerMax: INFLIGHT_PER_PEER_MAX,
  uploadsQueuedPerPeerMax: UPLOADS_QUEUED_PER_PEER_MAX,
  linksPerSessionMax: LINKS_PER_SESSION_MAX,
  inboundLinksMax: INBOUND_STREAMS_MAX,
  requestTimeoutMs: REQUEST_TIMEOUT_MS,
  refusalHoldMs: REFUSAL_HOLD_MS,
  endgameSourcesMax: ENDGAME_SOURCES_MAX,
  haveBatchMs: HAVE_BATCH_MS,
  tickMs: TICK_MS,
  stallTimeoutMs: FETCH_STALL_TIMEOUT_MS,
  coordinatorIsBootstrap: true
}

/** Wire sizes of swarm control messages (protobuf framing, root CID, indices), bytes. */
export const HELLO_BYTES_BASE = 64
export const INDEX_BYTES = 3
export const CONTROL_BYTES_BASE = 16
/** Framing around one block message. */
export const BLOCK_OVERHEAD_BYTES = 24
/** One internal DAG node entry (CID and link sizes) per leaf, sent once to a fetcher without the DAG. */
export const DAG_BYTES_PER_LEAF = 44
