/**
 * Limits for the network-namespace test hosts (see DESIGN.md "Network safety on development
 * machines"). Each value says why it is what it is.
 */

/**
 * Every namespace we create starts with this, followed by the owning pid: removeStaleNamespaces()
 * relies on both so it can never delete a namespace that another tool (or a live run) owns.
 */
export const NETNS_PREFIX_ROOT = 'fdt'

/** Linux IFNAMSIZ is 16 bytes including the NUL terminator; longer names fail with "name too long". */
export const IFNAME_CHARS_MAX = 15

/** Host-side interface name. Each host has its own namespace, so every host can use the same one. */
export const HOST_IFNAME = 'eth0'

/** The bridge that plays the switch, inside the switch namespace. */
export const BRIDGE_IFNAME = 'br0'

/** One /24 per network and host addresses .1 to .254 (.0 is the network, .255 broadcast). */
export const HOSTS_PER_NETWORK_MAX = 254

/** 198.18.0.0/15 (RFC 2544 benchmarking range) holds 512 /24 subnets: index 0..511. */
export const SUBNET_INDEX_MAX = 511

/** Prefix length of each network: a /24 is one subnetIndex, so concurrent networks never overlap. */
export const SUBNET_PREFIX_LENGTH = 24

/** Caller-chosen label in namespace names: short so names stay readable in `ip netns list`. */
export const LABEL_CHARS_MAX = 8

/**
 * `ip`/`tc` are local netlink calls that finish in milliseconds; 10 s only trips when the kernel
 * or a lock is wedged, and then failing loudly beats hanging the test run.
 */
export const IP_TIMEOUT_MS = 10_000

/** Grace between SIGTERM and SIGKILL on destroy: the brief's bound, long enough for a clean libp2p stop. */
export const KILL_GRACE_MS = 2_000

/** How often destroy re-checks whether terminated processes are gone. */
export const KILL_POLL_MS = 25

/** Lines of stdout+stderr kept per process: enough context for a failure message, bounded memory. */
export const LOG_LINES_MAX = 200

/** A single runaway line (say, a hex dump) is cut here so the ring stays bounded in bytes too. */
export const LOG_LINE_CHARS_MAX = 4_096

/** Processes whose logs a host keeps; the oldest exited process is forgotten first. */
export const LOGGED_PROCESSES_MAX = 32

/** exec() keeps at most this much of each stream: it is for short commands, not for bulk data. */
export const EXEC_OUTPUT_BYTES_MAX = 1024 * 1024

/** Default bound for host.exec(); callers with slow commands pass their own timeoutMs. */
export const EXEC_TIMEOUT_MS = 10_000

/** Hosts configured at once: spawning hundreds of `ip` processes at once only adds contention. */
export const SETUP_CONCURRENCY = 8

/** Reachability probe bound: on one bridge a reply takes well under 1 ms, ARP included. */
export const PROBE_TIMEOUT_MS = 1_000

/** tbf needs a bucket of at least one MTU-sized packet, or nothing ever passes. */
export const TBF_BURST_BYTES_MIN = 16 * 1024

/** tbf queueing bound: packets waiting longer are dropped, like a real small-buffer uplink. */
export const TBF_LATENCY_MS = 100

/** tbf rates we accept: below 0.01 Mbit/s a single packet takes seconds; above 100 Gbit/s is no limit. */
export const EGRESS_MBIT_MIN = 0.01
export const EGRESS_MBIT_MAX = 100_000
