/** Limits and intervals of the mesh, each with the reason for its value (STYLE rule 8). */

/** Default TCP listen address: all interfaces, a fixed port so bootstrap addresses stay stable across restarts. */
export const DEFAULT_LISTEN_ADDR = '/ip4/0.0.0.0/tcp/4710'

/** mDNS service name shared by every FleetD node, so strangers are found and refused visibly instead of silently ignored. */
export const MDNS_SERVICE_TAG = '_fleetd._udp.local'

/** mDNS query interval: fast enough that a new device is found within seconds, slow enough for a LAN of hundreds. */
export const MDNS_INTERVAL_MS = 5_000

/**
 * A connected peer's unchanged mDNS answer is passed on to libp2p (a peer-store write) at most
 * this often: every node hears every node's answer to every query (see rediscovery-filter.ts).
 */
export const MDNS_REDISCOVERY_QUIET_MS = 60_000

/** Peers whose last mDNS answer we remember; bounded against an mDNS flood. */
export const MDNS_PEERS_TRACKED_MAX = 2_048

/** Membership handshake deadline: a LAN peer answers in milliseconds; a stuck peer must not hold a connection slot. */
export const MEMBERSHIP_HANDSHAKE_TIMEOUT_MS = 5_000

/** Connection cap: gossipsub needs D=6..12 mesh peers; a full LAN mesh of a site stays well under this. */
export const MAX_CONNECTIONS = 300

/** Peers we track for dialing; bounded so an mDNS flood cannot grow memory without limit. */
export const DIAL_TRACKED_PEERS_MAX = 2_048

/** Backoff for redialling a peer that failed: first retry soon, never hammer a dead or hostile host. */
export const DIAL_BACKOFF_BASE_MS = 1_000
export const DIAL_BACKOFF_CAP_MS = 60_000

/** A refused peer (another fleet) is not redialled for this long: it will not change its key soon. */
export const REFUSED_PEER_QUIET_MS = 5 * 60_000

/** Concurrent outbound dials; mDNS can report dozens of peers at once on a busy LAN. */
export const DIAL_CONCURRENCY_MAX = 8

/** Floor of libp2p's adaptive ping timeout before it aborts a connection (see libp2p-node.ts). */
export const PING_TIMEOUT_MS_MIN = 20_000

/** Concurrent ping streams per connection (monitor + manual pings, with slow peers' leftovers). */
export const PING_STREAMS_MAX = 8

/** Per-dial deadline on a LAN. */
export const DIAL_TIMEOUT_MS = 10_000

/** Heartbeat period and its floor: presence must stay cheap on a 10,000-device fleet. */
export const HEARTBEAT_INTERVAL_MS = 10_000
export const HEARTBEAT_INTERVAL_MS_MIN = 1_000

/** A peer missing this many heartbeats is shown offline. */
export const HEARTBEATS_MISSED_OFFLINE = 3

/** Re-announcements are rate-limited to one per this period, however many peers join. */
export const ANNOUNCE_INTERVAL_MS_MIN = 2_000

/**
 * Delay between seeing a new subscriber and announcing: gossipsub reports the subscription
 * before its own outbound stream to that peer is open, and a message sent then reaches no one.
 */
export const ANNOUNCE_SETTLE_MS = 300

/** Every this many heartbeats a full announcement goes out instead, repairing lost gossip (~1/min at 10 s). */
export const ANNOUNCE_REFRESH_HEARTBEATS = 6

/** Largest presence view kept in memory (the fleet size FleetD targets, with headroom). */
export const PRESENCE_PEERS_MAX = 20_000

/** Labels per device and their sizes: enough for selectors, small enough for gossip. */
export const LABELS_MAX = 32
export const LABEL_KEY_LENGTH_MAX = 63
export const LABEL_VALUE_LENGTH_MAX = 253

/** Gossipsub message size cap for fleet topics (the presence/plan decoders cap tighter per type). */
export const GOSSIP_MESSAGE_BYTES_MAX = 512 * 1024

/**
 * Peers a node dials from presence announcements until it has this many: gossipsub's mesh
 * degree (D = 6) plus two, so plans and blocks have paths that avoid any single node.
 */
export const PEER_EXCHANGE_TARGET = 8

/**
 * Child devices (MCUs, sensors) one gateway announces: each is a presence message per heartbeat,
 * so a gateway with a few serial ports or a LoRa modem's device list stays cheap on the topic.
 */
export const CHILDREN_PER_GATEWAY_MAX = 64
