/** Limits of a one-shot mDNS/DNS-SD browse (STYLE rule 8), each with its reason. */

/** How long `fleets discover` listens by default: responders answer within 20–120 ms (RFC 6762 §6), so 3 s also covers a busy Raspberry Pi and one lost packet. */
export const BROWSE_TIMEOUT_MS_DEFAULT = 3_000
/** Shortest listen: below this a query cannot get out and back even on a quiet LAN. */
export const BROWSE_TIMEOUT_MS_MIN = 100
/** Longest listen: a one-shot command, not a monitor; a minute covers devices that are still booting. */
export const BROWSE_TIMEOUT_MS_MAX = 60_000
/** Queries are sent again at this period, so a lost packet or a responder that starts late is still heard. */
export const REQUERY_INTERVAL_MS = 1_000
/** Records kept from answers; bounded so a flood of mDNS traffic cannot grow memory without limit. */
export const RECORDS_MAX = 4_096
/** Service types followed with `--all`; a LAN with more is hostile or broken, and each type costs a query per round. */
export const SERVICE_TYPES_MAX = 64
/** Questions sent per round (one packet each); bounds what a hostile LAN can make us send. */
export const QUESTIONS_PER_ROUND_MAX = 128
/** TXT entries kept per instance: DNS-SD keys are few; more is junk. */
export const TXT_ENTRIES_MAX = 64

/** The DNS-SD meta query (RFC 6763 §9): its PTR answers name every service type on the link. */
export const SERVICE_TYPES_QUERY = '_services._dns-sd._udp.local'
/** mDNS's domain; service types are shown without it (`_ssh._tcp`). */
export const LOCAL_DOMAIN = 'local'
