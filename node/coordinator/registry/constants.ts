/** Registry limits and intervals, each with the reason for its value (STYLE rule 8). */
import { HEARTBEAT_INTERVAL_MS, HEARTBEATS_MISSED_OFFLINE, PRESENCE_PEERS_MAX } from '../../mesh/constants.js'

/** Offline after the same silence the mesh uses (3 missed heartbeats), so the API and `fleet-node status` agree. */
export const OFFLINE_AFTER_MS_DEFAULT = HEARTBEAT_INTERVAL_MS * HEARTBEATS_MISSED_OFFLINE

/**
 * A device's last-seen time goes to the store at most this often: heartbeats from 10,000
 * devices would otherwise be 1,000 writes a second. Reads merge the fresher in-memory time.
 */
export const LAST_SEEN_WRITE_INTERVAL_MS_DEFAULT = 15_000

/** How often `start()` copies the mesh's presence view into the registry. */
export const PRESENCE_SYNC_INTERVAL_MS_DEFAULT = 5_000

/** Devices whose fresh last-seen time is kept in memory: the fleet size FleetD targets, with headroom. */
export const DEVICES_TRACKED_MAX = PRESENCE_PEERS_MAX

/** Default and largest page of `list()`. */
export const LIST_LIMIT_DEFAULT = 1_000
