/** Limits and tuning of the artifact store, each with the reason for its value (STYLE rule 8). */

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

/**
 * Rabin (content-defined) chunking. A boundary is placed where a rolling hash of the last
 * `RABIN_WINDOW_BYTES` bytes has its low bits zero, so after an insertion or a deletion the
 * boundaries resynchronise within about one chunk and the rest of the file dedups against the
 * previous version. Fixed-size chunks would all shift (see dedup.test.ts).
 *
 * Minimum 16 KiB: every block costs a file in the FsBlockstore, a link (~40 B) in its parent and
 * a request in the swarm, which is cheap at this size; a small minimum lets boundaries
 * resynchronise soon after an edit.
 */
export const RABIN_CHUNK_BYTES_MIN = 16 * KiB

/**
 * Average 64 KiB (realised ~80 KiB: rabin-wasm turns it into a 2^16 boundary mask and only looks
 * past the minimum). Smaller than the IPFS default of 256 KiB on purpose, for two measured reasons
 * (npm run bench:content): a 10%-changed version moved 18% of its bytes with 256 KiB blocks (each
 * edit drags its whole ~315 KiB block along), and a 20 MB artifact was only ~63 pieces, too few
 * for 15 peers to hold different pieces early, so the swarm ran far from the fluid bound.
 * A 1 GiB artifact is ~13,000 blocks: a 1.6 KB bitfield in the swarm hello.
 */
export const RABIN_CHUNK_BYTES_AVG = 64 * KiB

/**
 * Maximum 256 KiB: caps blocks in data without boundaries (zeros, long runs), far under the 2 MiB
 * block limit that bitswap implementations enforce, so a swarm piece never takes more than
 * ~0.2 s to send at 10 Mbit/s.
 */
export const RABIN_CHUNK_BYTES_MAX = 256 * KiB

/** Rolling-hash window; 64 bytes (restic's value) is rabin-wasm's default and measured faster than 16. */
export const RABIN_WINDOW_BYTES = 64

/**
 * Links per internal node of the balanced layout: the IPFS default. 174 links of ~45 bytes keep
 * an internal node near 8 KiB, and a 1 GiB artifact needs only ~20 of them.
 */
export const DAG_LINKS_PER_NODE_MAX = 174

/**
 * Blocks the importer hashes and writes at once. Each holds up to one chunk (1 MiB) in memory,
 * so this bounds the importer's buffer to ~8 MiB. Measured on 2 cores (384 MiB): 1 → 67 MiB/s,
 * 4 → 92, 8 → 93, 32 → 101 MiB/s but +24 MiB RSS; the rabin chunker is the bottleneck beyond 4.
 */
export const IMPORT_BLOCK_WRITE_CONCURRENCY = 8

/**
 * The largest slice the chunker is fed. A source may yield huge buffers (a caller's 100 MB
 * Uint8Array); slicing bounds the WASM chunker's memory and makes progress reports regular.
 */
export const IMPORT_SLICE_BYTES_MAX = 1 * MiB

/** Read size for file sources: large reads are fewer syscalls; 1 MiB is one slice. */
export const FILE_READ_BYTES = 1 * MiB

/**
 * The largest artifact accepted by default: larger than any image an edge device installs, and
 * it stops an endless source (a misbehaving server) from filling the disk.
 */
export const ARTIFACT_BYTES_MAX = 64 * GiB

/**
 * Blocks in one DAG walk: 64 GiB at the 256 KiB minimum-ish chunk is ~260k blocks; 2^20 leaves
 * room and bounds the memory of a walk over a hostile DAG.
 */
export const DAG_BLOCKS_MAX = 1 << 20

/** Any block over this is refused unread: bitswap peers refuse blocks over 2 MiB, so none can be legitimate. */
export const BLOCK_BYTES_MAX = 2 * MiB

/** HTTP redirects followed on import: enough for a CDN hop or two, and a redirect loop ends fast. */
export const HTTP_REDIRECTS_MAX = 5

/** Time allowed for an HTTP server to answer with headers: a LAN or CDN answers in well under a second. */
export const HTTP_HEADERS_TIMEOUT_MS = 30_000

/**
 * Longest silence in an HTTP body. It is an idle limit, not a total one: a 4 GiB image on a slow
 * uplink may take an hour, but a stalled transfer must not hang an import forever.
 */
export const HTTP_IDLE_TIMEOUT_MS = 60_000

/**
 * Leaf reads in flight during an export, enforced by the read gate (verified-reader.ts) because
 * the exporter's own `blockReadConcurrency` does not hold. The local disk needs no more, and
 * with 2 MiB blocks it stays under `EXPORT_BUFFERED_BYTES_MAX / BLOCK_BYTES_MAX`, which keeps
 * the gate deadlock-free.
 */
export const EXPORT_BLOCK_READ_CONCURRENCY = 4

/**
 * Leaf bytes read but not yet written to the destination. ipfs-unixfs-exporter pushes into an
 * unbounded queue, so without this gate a fast disk read and a slow write buffer the whole file.
 * Export memory for data is bounded by this plus `EXPORT_BLOCK_READ_CONCURRENCY` blocks.
 */
export const EXPORT_BUFFERED_BYTES_MAX = 16 * MiB

/** Concurrent `has` checks while looking for missing blocks: hides disk latency, bounds open files. */
export const HAS_CONCURRENCY = 32

/** Previous versions of each app kept besides the running one (DESIGN: roll back without a fetch). */
export const RETAIN_PER_APP_DEFAULT = 2

/** Pin records in the store: far above apps × (running + previous + plan + manual); `list()` loads them all. */
export const PINS_MAX = 10_000

/** Length of an app name or version in a pin: manifest names and semver strings are much shorter. */
export const PIN_FIELD_CHARS_MAX = 256
