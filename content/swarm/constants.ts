/** Limits of the swarm layer, each with its reason (STYLE rule 8). */

export const SWARM_PROTOCOL = '/fleetd/swarm/1.0.0'

/** Requests in flight per peer: 8 × ~80 KiB covers a LAN's bandwidth-delay product at 10–100 Mbit/s. */
export const INFLIGHT_PER_PEER_MAX = 8

/** Endgame: peers one missing block is requested from at once (the first copy wins, the rest are cancelled). */
export const ENDGAME_SOURCES_MAX = 2

/** Uploads queued for one peer before we answer "busy": bounds memory against a greedy peer. */
export const UPLOADS_QUEUED_PER_PEER_MAX = 16

/** Peers one artifact session talks to: a site's LAN, not the fleet. */
export const LINKS_PER_SESSION_MAX = 32

/** A request unanswered this long is given up and the block asked elsewhere. */
export const REQUEST_TIMEOUT_MS = 20_000

/** A block no swarm peer offers for this long is fetched by bitswap instead (e.g. from older nodes). */
export const BITSWAP_FALLBACK_AFTER_MS = 3_000

/** Concurrent bitswap fallbacks: they broadcast wants to every peer, so keep them few. */
export const BITSWAP_FALLBACK_CONCURRENCY = 2

/** Peer sending this many blocks that fail their hash check is dropped from the session. */
export const BAD_BLOCKS_MAX = 3

/** Streams accepted concurrently: every fetching peer opens one per artifact. */
export const INBOUND_STREAMS_MAX = 256

/** Depth of a UnixFS DAG we walk: a balanced DAG of 174-link nodes reaches petabytes by depth 6. */
export const DAG_DEPTH_MAX = 8

/** Period of the scheduler's housekeeping (timeouts, fallbacks). */
export const TICK_MS = 500

/** Times a seed refuses one peer one block it already sent or others hold, before it sends it anyway (scheduler.ts seedRefuses). */
export const SEED_REFUSALS_MAX = 3

/** A block a seed refused ("get it elsewhere") is not asked of that seed again for this long. */
export const REFUSAL_HOLD_MS = 3_000

/** Internal DAG nodes per dag message, in bytes: well under SWARM_MESSAGE_BYTES_MAX. A 1 GiB artifact's ~80 nodes are ~600 KB. */
export const DAG_MESSAGE_BYTES_MAX = 1024 * 1024

/** Peers asked at once for an artifact's DAG (the first holder's answer wins). */
export const DAG_PEERS_TRIED = 8

/** Peers asked for an artifact's DAG in all, DAG_PEERS_TRIED at a time, before falling back to bitswap. */
export const DAG_PEERS_ASKED_MAX = 32

/** Time one peer gets to send an artifact's DAG. */
export const DAG_FETCH_TIMEOUT_MS = 5_000

/** A fetch during which no block arrives for this long fails with a reason (no valid source). */
export const FETCH_STALL_TIMEOUT_MS = 120_000

/** Haves gathered this long go out as one message per peer: cheap against 80 KiB blocks taking ≥65 ms at 10 Mbit/s. */
export const HAVE_BATCH_MS = 50
