/** Limits of the Docker Engine API client, each with the reason for its value (STYLE rule 8). */

/** Where dockerd listens on every distribution that packages it. */
export const DOCKER_SOCKET_PATH = '/var/run/docker.sock'

/**
 * Paths carry no `/v1.xx` prefix: Docker 29 refuses API versions below 1.44, while Docker
 * 20.10 on older device images speaks at most 1.41. Unversioned requests get the daemon's own
 * version, and the few fields read here exist in all of them.
 */
export const API_PREFIX = ''

/** Detection is a ping to a local socket: a daemon that cannot answer in 3 s is not usable. */
export const PING_TIMEOUT_MS = 3_000

/** Ordinary calls (create, start, inspect) finish in well under a second; 60 s covers a loaded Pi. */
export const REQUEST_TIMEOUT_MS = 60_000

/** Stopping waits for the app's own grace period plus this much for the daemon itself. */
export const STOP_EXTRA_MS = 30_000

/** Grace period before the daemon kills a stopped container: Docker's own default. */
export const STOP_GRACE_S_DEFAULT = 10

/** Loading a multi-gigabyte image onto an SD card takes minutes; half an hour means it hangs. */
export const IMAGE_LOAD_TIMEOUT_MS = 30 * 60_000

/** Response bodies read: an inspect answer is tens of KiB; 4 MiB refuses a runaway without reading it all. */
export const RESPONSE_BYTES_MAX = 4 * 1024 * 1024

/** Containers FleetD creates are named `fleetd-<app>` so they are recognisable in `docker ps`. */
export const CONTAINER_NAME_PREFIX = 'fleetd-'
