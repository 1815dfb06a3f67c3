/** Limits and protocol numbers of the LoRa component, each with the reason for its value. */

/** TS004 v1.0.0: the fragmentation package listens on this FPort. */
export const FRAG_FPORT = 201
/** TS005 v1.0.0: the multicast setup package listens on this FPort. */
export const MULTICAST_FPORT = 200
/** TS004 DataFragment carries N in 14 bits: at most 16383 fragments (coded ones included). */
export const FRAG_INDEX_MAX = 0x3fff
/** TS004 FragSession carries the session index in 2 bits. */
export const FRAG_SESSIONS_MAX = 4
/** TS004 FragSize is one byte; the payload must also fit the smallest LoRaWAN DR's frame. */
export const FRAG_SIZE_MAX = 255
/** The only fragmentation algorithm TS004 v1.0.0 defines (parity check matrix, FragAlgo 0). */
export const FRAG_ALGO_PARITY = 0
/**
 * A device keeps one bit per (coded row × unknown): the decoder refuses sessions whose matrix
 * would pass this many bytes, the same bound the C reference allocates statically.
 */
export const FRAG_MATRIX_BYTES_MAX = 512 * 1024
/** EU868 LoRaWAN maximum application payload (N) per data rate DR0..DR5 (RP002-1.0.3, no repeater). */
export const EU868_MAX_PAYLOAD = [51, 51, 51, 115, 242, 242] as const
/** LoRaWAN MAC overhead around FRMPayload: MHDR 1 + FHDR 7 + FPort 1 + MIC 4. */
export const LORAWAN_OVERHEAD_BYTES = 13
/** Largest modem line we read before giving up on it: a 242-byte payload in hex plus the verb. */
export const MODEM_LINE_BYTES_MAX = 600
/** How long the driver waits for the modem's answer to a command (not counting airtime). */
export const MODEM_ANSWER_TIMEOUT_MS = 2_000
/**
 * Smallest number of fragments a block is cut into (by shrinking fragments): a parity line
 * covers m/2 columns, so with m = 1 parity fragments are empty and with very few fragments
 * they rarely help; a tiny delta in one fragment could only be repeated, not repaired.
 */
export const FRAG_BLOCK_FRAGMENTS_MIN = 8
