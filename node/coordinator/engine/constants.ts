/** Defaults of the rollout engine (node/coordinator/engine). */
export const ENGINE_DEFAULTS = {
  /** A week: long enough for a slow canary; devices ignore a plan older than this. */
  planTtlMs: 7 * 24 * 3_600_000,
  /** A burst of reports from a phase costs one decision, not one per report. */
  reportDebounceMs: 250,
  /** Gossipsub delivers to its mesh once; re-gossip reaches peers that joined the mesh since. */
  regossipIntervalMs: 30_000,
  /** setTimeout holds at most 2^31-1 ms; longer waits wake early and decide nothing new. */
  wakeDelayMaxMs: 3_600_000,
  /** After a decision failed (store or gossip error), try again this much later. */
  retryDelayMs: 5_000,
  /** A gossip send that takes longer than this no longer holds up the deployment's next decisions. */
  publishTimeoutMs: 10_000
} as const
