/**
 * `mcu info` and `mcu flash --via bridge`: what a bench or factory operator runs against an MCU
 * that already runs the firmware bridge. The image is validated against the device (chip,
 * anti-rollback) before a byte is sent.
 */
import { bridgeOta, BridgeClient, decodeInfo, encodeHello, MsgType, PROTOCOL_VERSION, SLOT_STATE_NAMES } from '../bridge/index.js'
import type { DeviceInfo, OtaProgress, OtaResult } from '../bridge/index.js'
import { checkEspImage, CHIP_NAMES } from '../esp-image/index.js'
import type { EspImageInfo } from '../esp-image/index.js'
import { checkStm32Image } from '../stm32-image/index.js'
import type { Stm32ImageInfo } from '../stm32-image/index.js'
import { openSerialLink } from '../link/index.js'
import type { ByteLink, SerialMode } from '../link/index.js'
import type { AbortOptions, Clock } from '../../node/ports/index.js'
import { McuImageError } from './errors.js'

export interface McuPortOptions { path: string, baudRate: number, mode: SerialMode }

export interface BridgeInfoView {
  chip: string
  /** The chip's unique id in hex (ESP32: MAC), null from bridges that do not send one. */
  uid: string | null
  protocolVersion: number
  runningSlot: number | null
  runningVersion: string
  secureVersion: number
  slots: Array<{ slot: number, state: string, version: string }>
  session: { size: number, offset: number } | null
  window: number
  chunkBytes: number
  slotBytes: number
}

export function chipLabel (chip: number): string {
  return (chip & 0x8000) !== 0 ? `stm32 (port ${chip & 0x7fff})` : CHIP_NAMES[chip] ?? `chip 0x${chip.toString(16)}`
}

export function infoView (info: DeviceInfo): BridgeInfoView {
  const running = info.runningSlot <= 1 ? info.runningSlot : null
  return {
    chip: chipLabel(info.chip),
    uid: info.uid === undefined ? null : Buffer.from(info.uid).toString('hex'),
    protocolVersion: info.version,
    runningSlot: running,
    runningVersion: running === null ? '' : info.slotVersions[running as 0 | 1],
    secureVersion: info.secureVersion,
    slots: [0, 1].map((slot) => ({ slot, state: SLOT_STATE_NAMES[info.slotStates[slot as 0 | 1]] ?? 'unknown', version: info.slotVersions[slot as 0 | 1] })),
    session: info.session.active ? { size: info.session.size, offset: info.session.offset } : null,
    window: info.window,
    chunkBytes: info.chunkMax,
    slotBytes: info.slotBytes
  }
}

export async function bridgeInfo (port: McuPortOptions, clock: Clock, options: AbortOptions = {}): Promise<DeviceInfo> {
  const link = await openSerialLink(port, options)
  const client = new BridgeClient(link, clock)
  try {
    return decodeInfo(await client.request(MsgType.HELLO, encodeHello(PROTOCOL_VERSION), { timeoutMs: 3000, signal: options.signal }))
  } finally {
    client.close()
    await link.close()
  }
}

export interface BridgeFlashResult { result: OtaResult, image: EspImageInfo | null, stm32Image: Stm32ImageInfo | null, device: BridgeInfoView }

export async function bridgeFlash (port: McuPortOptions, image: Uint8Array, o: { version?: string, clock: Clock, onProgress?: (p: OtaProgress) => void }, options: AbortOptions = {}): Promise<BridgeFlashResult> {
  const before = await bridgeInfo(port, o.clock, options)
  let esp: EspImageInfo | null = null
  let stm32: Stm32ImageInfo | null = null
  let version = o.version
  if ((before.chip & 0x8000) === 0) {
    esp = checkEspImage(image, { chipId: before.chip, minSecureVersion: before.secureVersion })
    version ??= esp.app.version
  } else {
    // The bridge reports the version from the image's FleetD STM32 header (IMAGE.md): a
    // different --version would never be confirmed.
    stm32 = checkStm32Image(image, { chip: before.chip, minSecureVersion: before.secureVersion })
    if (version !== undefined && version !== stm32.version) throw new McuImageError(`--version ${version} differs from the version in the image's header (${stm32.version}); the device reports the header's: drop --version or re-wrap the image`)
    version = stm32.version
  }
  if (version === undefined || version === '') throw new McuImageError('the image carries no version: pass --version')
  const ota = bridgeOta({ baudRate: port.baudRate })({
    clock: o.clock,
    connect: async (abort): Promise<ByteLink> => await openSerialLink(port, abort)
  })
  let result: OtaResult
  try {
    result = await ota.update({ image, version }, { ...options, onProgress: o.onProgress })
  } finally {
    await ota.close() // the read-back below opens the port again: serialport holds an exclusive lock
  }
  return { result, image: esp, stm32Image: stm32, device: infoView(await bridgeInfo(port, o.clock, options)) }
}
