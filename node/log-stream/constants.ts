/** Limits of app log streams through the mesh, each with the reason for its value (STYLE rule 8). */

export const LOGS_PROTOCOL = '/fleetd/logs/1.0.0'

/** Prefixed to the signed bytes, so a log request signature can never pass for a plan's (or the reverse). */
export const LOGS_SIGNING_DOMAIN = 'fleetd-logs-request-v1'

/** Only keys of this role may ask a device for logs: the fleet's coordinator key, the one that signs plans. */
export const LOGS_REQUESTER_ROLE = 'coordinator'

/** A request is valid this long after it was issued: the coordinator signs one per stream and sends it at once. */
export const LOG_REQUEST_TTL_MS = 60_000

/** A request issued this far in the device's future still passes: device clocks drift; plans tolerate more. */
export const LOG_REQUEST_CLOCK_SKEW_MS = 5 * 60_000

/** Concurrent log streams a device serves: a few operators and dashboards; each holds a file handle and a poll. */
export const LOGS_INBOUND_STREAMS_MAX = 8

/** The requester must send its request this soon after opening the stream. */
export const LOG_REQUEST_READ_TIMEOUT_MS = 10_000

/**
 * Lines a device holds for a requester that reads slower than the app writes. Past it the
 * oldest are dropped and the requester is told how many: a log stream must never grow a
 * device's memory without bound (1,000 lines of at most 16 KiB: ≤ 16 MiB, usually ~100 KiB).
 */
export const LOGS_BUFFER_LINES_MAX = 1000

/** Bytes of lines buffered for one requester, whatever their count: caps the long-line case above. */
export const LOGS_BUFFER_BYTES_MAX = 1024 * 1024

/** A frame's lines stop at this many bytes (the wire limit is LOG_FRAME_BYTES_MAX, 256 KiB; room for framing). */
export const LOG_FRAME_PAYLOAD_BYTES_MAX = 192 * 1024

/** Dialling the device and getting its first frame: a device on the mesh answers in well under a second. */
export const LOGS_OPEN_TIMEOUT_MS = 15_000

/** Tail lines when the request names none: a screenful and then some. */
export const LOG_TAIL_LINES_DEFAULT = 100

/** App names, as the agent names log files (`<logsDir>/<app>.log`). */
export const APP_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/
