/**
 * One serial port of a gateway with an MCU running the firmware bridge behind it: HELLO turns
 * into the child device the fleet sees, and an OTA goes through `bridgeOta`. Work on the port is
 * serialised (a probe never interleaves with an OTA); the link is opened per operation, so an
 * unplugged adapter is simply found again at the next probe.
 */
import { createHash } from 'node:crypto'
import { basename } from 'node:path'
import { bridgeOta, BridgeClient, decodeInfo, encodeHello, MsgType, PROTOCOL_VERSION, BridgeTimeoutError } from '../bridge/index.js'
import type { DeviceInfo, OtaProgress, OtaResult } from '../bridge/index.js'
import { CHIP_NAMES } from '../esp-image/index.js'
import { openSerialLink } from '../link/index.js'
import type { ByteLink } from '../link/index.js'
import type { AbortOptions, Clock } from '../../node/ports/index.js'
import { FALLBACK_ID_HEX_CHARS, HELLO_TIMEOUT_MS } from './constants.js'
import { GatewayPortError } from './errors.js'
import type { ChildDevice, GatewayPortSpec } from './index.js'

export interface BridgeChild extends ChildDevice {
  info: DeviceInfo
}

export class BridgePort {
  private queue: Promise<unknown> = Promise.resolve()

  constructor (readonly spec: GatewayPortSpec, private readonly c: { clock: Clock, gatewayId: string, gatewayName: string }) {}

  /** HELLO → the child device; throws GatewayPortError (wrong MCU family) or the link's error. */
  async probe (options: AbortOptions = {}): Promise<BridgeChild> {
    return await this.exclusive(async () => await this.probeNow(options))
  }

  /** An OTA of `image` as `version`; the port is held for the whole transfer, reboot and confirm. */
  async update (image: Uint8Array, version: string, options: AbortOptions & { onProgress?: (p: OtaProgress) => void } = {}): Promise<{ result: OtaResult, after?: BridgeChild }> {
    return await this.exclusive(async () => {
      const ota = bridgeOta({ baudRate: this.spec.baudRate })({ clock: this.c.clock, connect: async (abort) => await this.open(abort ?? {}) })
      let result: OtaResult
      try {
        result = await ota.update({ image, version }, options)
      } finally {
        await ota.close()
      }
      const after = await this.probeNow(options).catch(() => undefined)
      return { result, ...(after != null ? { after } : {}) }
    })
  }

  private async probeNow (options: AbortOptions): Promise<BridgeChild> {
    const link = await this.open(options)
    const client = new BridgeClient(link, this.c.clock)
    let info: DeviceInfo
    try {
      const ask = async (): Promise<DeviceInfo> => decodeInfo(await client.request(MsgType.HELLO, encodeHello(PROTOCOL_VERSION), { timeoutMs: HELLO_TIMEOUT_MS, ...options }))
      try {
        info = await ask()
      } catch (err) {
        // A boot HEALTH frame buffered in the port before we opened it cancels the first HELLO: ask once more.
        if (!(err instanceof BridgeTimeoutError) || client.closed) throw err
        info = await ask()
      }
    } finally {
      client.close()
      await link.close()
    }
    return this.childOf(info)
  }

  private childOf (info: DeviceInfo): BridgeChild {
    const stm32 = (info.chip & 0x8000) !== 0
    const family = stm32 ? 'stm32' : 'esp32'
    if (family !== this.spec.mcu) {
      throw new GatewayPortError(`${this.spec.path}: the bridge there reports a${stm32 ? 'n STM32' : `n ESP chip (${CHIP_NAMES[info.chip] ?? info.chip})`}, but the port is configured as --mcu ${this.spec.mcu}; fix the --mcu of this port`)
    }
    const running = info.runningSlot <= 1 ? info.slotVersions[info.runningSlot as 0 | 1] : ''
    const platform = stm32 ? 'stm32' : CHIP_NAMES[info.chip] ?? `esp-chip-${info.chip}`
    return {
      id: childId(family, info.uid, this.c.gatewayId, this.spec.path),
      name: `${this.c.gatewayName}/${basename(this.spec.path)}`,
      platform,
      tier: 3,
      parent: this.c.gatewayId,
      firmwareVersion: running,
      labels: { mcu: family, chip: platform, gateway: this.c.gatewayName.replace(/[^A-Za-z0-9._/-]/g, '-') },
      port: this.spec.path,
      info
    }
  }

  private async open (options: AbortOptions): Promise<ByteLink> {
    return await openSerialLink({ path: this.spec.path, baudRate: this.spec.baudRate, mode: this.spec.mode }, options)
  }

  private async exclusive<T> (work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work)
    this.queue = run.catch(() => {})
    return await run
  }
}

/**
 * The MCU's fleet device id: `esp32-<uid hex>` from the chip's own id (its MAC), so it is the
 * same after a gateway restart and follows the board to another port; a bridge without a uid
 * gets one derived from the gateway's id and the port instead (stable while it stays there).
 */
export function childId (family: string, uid: Uint8Array | undefined, gatewayId: string, port: string): string {
  if (uid !== undefined) return `${family}-${Buffer.from(uid).toString('hex')}`
  return `${family}-gw-${createHash('sha256').update(gatewayId).update('\0').update(port).digest('hex').slice(0, FALLBACK_ID_HEX_CHARS)}`
}
