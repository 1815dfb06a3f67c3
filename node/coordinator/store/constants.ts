/** Limits of the coordinator store, each with the reason for its value (STYLE rule 8). */

/** Groups per device: enough for site/role/ring style grouping, small enough to list in a table. */
export const GROUPS_MAX = 32

/** Human names (device names, token names, actors): one line in a table. */
export const NAME_LENGTH_MAX = 64

/** Operator commands kept on a deployment record; older ones stay in the audit log. */
export const DEPLOYMENT_EVENTS_MAX = 200

/** An audit entry's `detail`, as canonical JSON: a few fields, never a whole request body. */
export const AUDIT_DETAIL_BYTES_MAX = 4096

/** Largest page a list call returns: 10,000 devices arrive in two pages, a page stays a few MB. */
export const LIST_LIMIT_MAX = 5_000

/** Schema version of the records, written at open; a newer database is refused, not misread. */
export const STORE_SCHEMA_VERSION = 1
