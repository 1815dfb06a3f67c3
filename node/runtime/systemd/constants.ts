/** Names and limits of the systemd runtime, each with the reason for its value (STYLE rule 8). */

/** Exists iff systemd is PID 1 (sd_booted(3) checks exactly this). */
export const SYSTEMD_RUN_DIR = '/run/systemd/system'

/** Where administrators' units live; units there win over packaged ones in /lib/systemd/system. */
export const UNIT_DIR = '/etc/systemd/system'

/** Units FleetD writes are `fleetd-<app>.service`: recognisable in `systemctl list-units`, never clashing with the OS's. */
export const UNIT_PREFIX = 'fleetd-'

/** systemctl calls return within seconds; a stop waits for the app's grace period (90 s by default) plus margin. */
export const SYSTEMCTL_TIMEOUT_MS = 120_000

/** systemctl output kept for quoting in errors; its messages are a few lines. */
export const SYSTEMCTL_OUTPUT_BYTES_MAX = 64 * 1024

/** Characters of systemctl output quoted in an error. */
export const SYSTEMCTL_OUTPUT_QUOTED_MAX = 1_000

/** Delay before systemd restarts a failed app: its default of 100 ms spins a crash loop too fast to read the logs. */
export const RESTART_SEC = 1

/** Arguments and variables in one unit: far beyond any app, bounded all the same. */
export const EXEC_ARGS_MAX = 256
export const ENV_ENTRIES_MAX = 256

/** systemd refuses unit file lines longer than LONG_LINE_MAX (1 MiB); stay well inside it. */
export const UNIT_LINE_LENGTH_MAX = 512 * 1024
