/** Limits, paths and timings of resource limits, each with the reason for its value (STYLE rule 8). */

const MiB = 1024 * 1024

/** Where cgroup filesystems are mounted on every systemd-era Linux (v2 here, or a tmpfs of v1 mounts). */
export const CGROUP_ROOT_DEFAULT = '/sys/fs/cgroup'

/** Hybrid systems (v1 controllers plus an empty v2) mount the unified hierarchy here. */
export const CGROUP_UNIFIED_HYBRID_DIR = 'unified'

/**
 * Parent of every group the agent creates (`<hierarchy>/fleetd/<name>`): the agent's groups are
 * easy to find and clean up, and never clash with the groups of systemd or a container engine.
 */
export const GROUP_PARENT = 'fleetd'

/** A group name is one path component: letters, digits, `.`, `_`, `-`, starting with a letter or digit, so `..` and `/` cannot escape the parent. */
export const GROUP_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/** Long enough for `app@version` names, short enough for any filesystem and a readable `ls`. */
export const GROUP_NAME_LENGTH_MAX = 100

/** The kernel's default CFS period; the quota is `cpuMillis / 1000` of it. */
export const CPU_PERIOD_US = 100_000

/** The kernel refuses a CFS quota under 1 ms, i.e. 10 millicpus at the default period. */
export const CPU_MILLIS_MIN = 10

/** 1024 CPUs: larger values are a unit mistake (`1500` meant as millis passed as CPUs). */
export const CPU_MILLIS_MAX = 1_024_000

/**
 * A memory limit under this is a unit mistake (`64` bytes meant as `64Mi`): no process even
 * starts in it, and the OOM killer would strike at once.
 */
export const MEMORY_BYTES_MIN = 4 * MiB

/** remove(): how long exiting processes get to leave the group before they are moved out. */
export const REMOVE_DRAIN_TIMEOUT_MS = 2_000

/** Poll step while waiting for a group to empty: a process exits within a few ms of its signal. */
export const REMOVE_POLL_MS = 25

/**
 * rmdir attempts on EBUSY: the kernel frees a group a moment after its last process leaves.
 * With REMOVE_POLL_MS between attempts this waits half a second at most.
 */
export const RMDIR_ATTEMPTS_MAX = 20

/** prlimit is a single syscall; anything slower is a hung system. */
export const PRLIMIT_TIMEOUT_MS = 5_000

/** Where util-linux installs prlimit; searched before PATH so a PATH-less service still finds it. */
export const PRLIMIT_PATHS = ['/usr/bin/prlimit', '/bin/prlimit', '/usr/sbin/prlimit', '/sbin/prlimit']
