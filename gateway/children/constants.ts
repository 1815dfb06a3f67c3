/** Limits and intervals of a gateway's child devices, each with its reason (STYLE rule 8). */

/** Serial ports one gateway node drives: a USB hub's worth; each is probed and announced. */
export const GATEWAY_PORTS_MAX = 16

/**
 * Re-probe period of a port whose device answered: keeps the announced firmware version current
 * after a bench flash and notices a swapped board, at one HELLO per port.
 */
export const PROBE_INTERVAL_MS = 30_000

/** Re-probe period of a port whose device did not answer (unplugged, booting): reconnect soon. */
export const PROBE_RETRY_MS = 5_000

/** HELLO deadline: the bridge answers within milliseconds; a slow USB adapter within a second. */
export const HELLO_TIMEOUT_MS = 3_000

/** Deployments remembered per child (what it did with each); older ones are forgotten. */
export const RECORDS_PER_CHILD_MAX = 32

/** A firmware image is read into memory to send it: bounded by the largest MCU app slot. */
export const FIRMWARE_BYTES_MAX = 16 * 1024 * 1024

/** Hex digits of the fallback id (gateway id + port) of an MCU whose bridge reports no uid. */
export const FALLBACK_ID_HEX_CHARS = 12

/**
 * Children asked for the same image within this window share one LoRa delivery (one multicast
 * stream): the applier asks for every selected child of a plan at once, well within it.
 */
export const LORA_BATCH_WINDOW_MS = 200

/** End devices one LoRa port's devices file may list: what one multicast group reasonably serves. */
export const LORA_DEVICES_MAX = 64
