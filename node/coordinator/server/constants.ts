/** Limits of the coordinator API, each with the reason for its value (STYLE rule 8). */

/** Every route lives under this prefix; a breaking change gets /api/v2 beside it. */
export const API_PREFIX = '/api/v1'

/** Largest request body: an app or deployment spec is a few KB; 64 KiB leaves room and refuses floods unread. */
export const BODY_BYTES_MAX = 64 * 1024

/** A request that has not completed by then is answered 408: no slow client holds a socket forever. */
export const REQUEST_TIMEOUT_MS = 30_000

/** Idle keep-alive connections are closed after this, and at once on shutdown. */
export const KEEP_ALIVE_TIMEOUT_MS = 10_000

/** API tokens: people and CI jobs, never one per device (devices use the mesh). */
export const TOKENS_MAX = 1_000

/** Apps the coordinator keeps; far above any real fleet's app count. */
export const APPS_MAX = 10_000

/** Default and largest page of deployments (newest first) and of audit entries. */
export const DEPLOYMENTS_PAGE_DEFAULT = 100
export const AUDIT_PAGE_DEFAULT = 100
export const PAGE_MAX = 5_000

/** Prefix of API tokens, so a leaked one is recognizable by secret scanners. */
export const API_TOKEN_PREFIX = 'fleetd_'

/** Actor of entries the server writes on its own (the first admin token). */
export const SERVER_ACTOR = 'fleetd'
