/** Limits and names of installed app versions, each with the reason for its value (STYLE rule 8). */

/**
 * Written last into a version dir (inside staging, before the rename). A version dir without
 * it is a crash leftover and is redone; the name starts with a dot so it cannot clash with an
 * archive's own files at the root unless the archive tries to (then the real one overwrites it).
 */
export const MARKER_FILE = '.fleetd-installed.json'

/** Staging dirs are `<appsDir>/<app>/.staging-<version>-<random>`, so listings skip them by the dot. */
export const STAGING_PREFIX = '.staging-'

/** The manifest an archive must carry at its root (see app-manifest.ts for its schema). */
export const APP_MANIFEST_FILE = 'fleet-app.json'

/** fleet-app.json is a few lines; 64 KiB refuses a mistaken or hostile multi-megabyte file unread. */
export const APP_MANIFEST_BYTES_MAX = 64 * 1024

/** Marker files are smaller than fleet-app.json plus a hash; the same bound applies. */
export const MARKER_BYTES_MAX = 2 * APP_MANIFEST_BYTES_MAX

/**
 * Entries per archive: an app bundling node_modules reaches tens of thousands; 200,000 bounds
 * the listing memory (about 20 MB of names) and the time to check each entry.
 */
export const ARCHIVE_ENTRIES_MAX = 200_000

/** `tar -tzf` output bound: ARCHIVE_ENTRIES_MAX names of 256 bytes on average. */
export const ARCHIVE_LISTING_BYTES_MAX = ARCHIVE_ENTRIES_MAX * 256

/** Arguments in an entrypoint and variables in its env: far beyond any real app, bounded all the same. */
export const ENTRYPOINT_ARGS_MAX = 256
export const ENV_ENTRIES_MAX = 256

/** One argument or env value: Linux caps a single argv string at 128 KiB (MAX_ARG_STRLEN). */
export const ARG_LENGTH_MAX = 128 * 1024

/**
 * A tar extraction or package tool run: a large archive on an SD card, or dpkg running
 * maintainer scripts, takes minutes; half an hour means it hangs, and the reconciler retries.
 */
export const TOOL_TIMEOUT_MS = 30 * 60_000

/** Output kept from a failing tool to quote in the error: the last lines say what went wrong. */
export const TOOL_OUTPUT_QUOTED_MAX = 2_000

/**
 * Staging dirs of other versions older than this are crash leftovers: an install never runs
 * longer than TOOL_TIMEOUT_MS, so twice that cannot belong to a live install.
 */
export const STAGING_STALE_MS = 2 * TOOL_TIMEOUT_MS

/** Versions listed per app: the agent keeps the current and previous; 1,000 bounds a runaway dir. */
export const INSTALLED_VERSIONS_MAX = 1_000

// App names and versions become path segments: these mirror the manifest's patterns
// (content/manifest/schema.ts), which keep '/', '.', '..' and option-like '-x' out.
export const APP_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/
export const VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z.+_~-]{0,63}$/

/** Environment variable names an app may set: POSIX portable names. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/
