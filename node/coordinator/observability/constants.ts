/** Limits of the coordinator's observability surface, each with its reason. */

/** Event streams open at once: each holds a socket and a little state; operators, not devices, open them. */
export const EVENT_CLIENTS_MAX = 256
/** How often streams get fleet, device-status and deployment-progress events: live enough for a phase bar, cheap at 10,000 devices. */
export const EVENT_TICK_MS = 1_000
/** Fleet-wide `metrics` events carry at most this many devices' latest samples per tick (a device filter gets every sample). */
export const EVENT_METRICS_DEVICES_MAX = 200
/** A client whose socket has this much unsent is too slow: it is dropped rather than buffered without end. */
export const EVENT_CLIENT_BUFFER_BYTES_MAX = 1024 * 1024
/** A comment line this often keeps proxies from closing an idle stream. */
export const EVENT_KEEPALIVE_MS = 15_000
/** Fleet health is computed at most this often, however many streams and scrapes ask. */
export const FLEET_HEALTH_CACHE_MS = 1_000
/** Deployments that /metrics and the streams follow (newest first): older ones are finished history. */
export const DEPLOYMENTS_FOLLOWED_MAX = 50
/** Devices listed per registry page while counting the fleet. */
export const REGISTRY_PAGE = 1_000
/** Per-device series on /metrics: beyond this the exposition is too large to scrape every 15 s; fleet aggregates stay. */
export const PROMETHEUS_DEVICES_MAX = 10_000
/** App log streams (GET …/apps/:app/logs) open at once: each holds a mesh stream to a device and a socket. */
export const LOG_STREAMS_MAX = 64
