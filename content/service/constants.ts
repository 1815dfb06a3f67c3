/** Limits of the artifact service, each with the reason for its value (STYLE rule 8). */

/**
 * An upload imports, then registers the signed manifest (which pins it). In between its blocks
 * are pinned by nothing, so GC treats a fresh import as retained for this long: far longer than
 * any signing step, short enough that an upload abandoned halfway is collected the same day.
 */
export const UNREGISTERED_IMPORT_GRACE_MS = 30 * 60_000

/** Unregistered imports remembered at once (oldest forgotten first): more than any admin runs in parallel. */
export const UNREGISTERED_IMPORTS_MAX = 256

/** Collected block CIDs listed in a GC report; the count is always exact, the list is for people. */
export const GC_LISTED_CIDS_MAX = 1000

/** Bad or missing block CIDs listed in a verification report; enough to act on, bounded for a hostile DAG. */
export const VERIFY_LISTED_CIDS_MAX = 100

/** A verification reports progress every this many blocks: a 1 GiB artifact is ~3,300 blocks. */
export const VERIFY_PROGRESS_BLOCKS = 64

/** Previous versions kept per app, at most: `--retain-versions` beyond this is a typo, not a policy. */
export const RETAIN_PER_APP_MAX = 1000

/** Manifests held by one node that `list` reads: pins cap the store at 10,000 records, this follows. */
export const MANIFESTS_MAX = 10_000
