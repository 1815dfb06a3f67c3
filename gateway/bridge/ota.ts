/**
 * A whole OTA through the bridge protocol: HELLO, OTA_BEGIN (resuming any open session of the
 * same image), the windowed transfer, OTA_END, SET_BOOT, REBOOT, wait for the health report,
 * CONFIRM or ROLLBACK, then read back what runs. A link cut or a device reset anywhere is met
 * by reconnecting and resuming from the offset the device holds, within `reconnectsMax`.
 */
import { createHash } from 'node:crypto'
import { BridgeClient } from './client.js'
import { MsgType, PROTOCOL_VERSION, SlotState, SLOT_STATE_NAMES, WireError } from './constants.js'
import { BridgeDeviceError, BridgeOtaError, BridgeTimeoutError } from './errors.js'
import { decodeBeginAnswer, decodeInfo, encodeBegin, encodeHello } from './messages.js'
import type { DeviceInfo, HealthReport } from './messages.js'
import { DeviceResetError, transferImage } from './ota-transfer.js'
import type { TransferStats } from './ota-transfer.js'
import type { ByteLink } from '../link/index.js'
import type { AbortOptions, Clock } from '../../node/ports/index.js'

export type OtaOutcome = 'updated' | 'already-current' | 'rolled-back' | 'failed'

export interface OtaResult extends TransferStats {
  outcome: OtaOutcome
  /** What the device runs at the end (read back with HELLO). */
  runningVersion: string
  previousVersion: string
  slot: number
  resumes: number
  transferMs: number
  totalMs: number
  errorCode?: string
  errorMessage?: string
}

export interface OtaProgress { phase: 'connect' | 'transfer' | 'verify' | 'reboot' | 'confirm' | 'rollback', offset: number, size: number }

export interface BridgeOtaInit {
  /** Frames in flight; 1 is stop-and-wait (the benchmark's baseline). @default the device's window */
  windowFrames?: number
  /** @default the device's chunk_max */
  chunkBytes?: number
  /** Line rate, to size the ack timeout to a full window's transit time. @default 115200 */
  baudRate?: number
  /** @default 3000 */
  requestTimeoutMs?: number
  /** Time from REBOOT to the health report. @default 15000 */
  healthTimeoutMs?: number
  /** Reconnects/resumes before the OTA fails. @default 20 */
  reconnectsMax?: number
  /** Ack timeouts in a row on one connection before reconnecting. @default 5 */
  timeoutsMax?: number
}

export interface BridgeOtaComponents {
  clock: Clock
  /** Opens the link to the device (again after a cut). */
  connect: (options?: AbortOptions) => Promise<ByteLink>
}

export interface OtaTarget { image: Uint8Array, version: string }

interface Connection { link: ByteLink, client: BridgeClient, lastHealth?: HealthReport }

const RECONNECT_DELAY_MS = 100

export class BridgeOta {
  private conn?: Connection
  private connections = 0

  constructor (private readonly c: BridgeOtaComponents, private readonly init: BridgeOtaInit = {}) {}

  async update (target: OtaTarget, options: AbortOptions & { onProgress?: (p: OtaProgress) => void } = {}): Promise<OtaResult> {
    const startMs = this.c.clock.nowMs()
    const sha = new Uint8Array(createHash('sha256').update(target.image).digest())
    const size = target.image.length
    const stats: TransferStats = { bytesSent: 0, retransmittedBytes: 0, timeouts: 0 }
    const result = (outcome: OtaOutcome, info: DeviceInfo | undefined, extra: Partial<OtaResult> = {}): OtaResult => ({
      outcome, ...stats, resumes, transferMs, totalMs: this.c.clock.nowMs() - startMs, slot,
      runningVersion: info === undefined || info.runningSlot > 1 ? '' : info.slotVersions[info.runningSlot as 0 | 1],
      previousVersion, ...extra
    })
    let resumes = -1
    let transferMs = 0
    let slot = -1
    let previousVersion = ''
    let transferred = false
    const reconnectsMax = this.init.reconnectsMax ?? 20
    for (;;) {
      options.signal?.throwIfAborted()
      try {
        resumes++
        const conn = await this.connection(options)
        options.onProgress?.({ phase: 'connect', offset: 0, size })
        const info = await this.hello(conn)
        const running = info.runningSlot
        const runningState = running > 1 ? SlotState.EMPTY : info.slotStates[running as 0 | 1]
        const runningVersion = running > 1 ? '' : info.slotVersions[running as 0 | 1]
        if (previousVersion === '' && !transferred) previousVersion = runningVersion
        if (runningState === SlotState.PENDING_VERIFY) {
          // A reset landed between the reboot and CONFIRM: decide on the health report it sent.
          if (runningVersion === target.version && conn.lastHealth?.healthy === true && conn.lastHealth.runningSlot === running) {
            await this.simple(conn, MsgType.CONFIRM)
            return await this.finish(conn, target, result)
          }
          await this.rollback(conn)
          continue
        }
        if (runningState === SlotState.VALID && runningVersion === target.version) {
          return result(transferred ? 'updated' : 'already-current', info)
        }
        const begin = decodeBeginAnswer(await conn.client.request(MsgType.OTA_BEGIN, encodeBegin(size, sha), { timeoutMs: this.timeout() }))
        slot = begin.slot
        const window = Math.max(1, Math.min(this.init.windowFrames ?? info.window, info.window))
        const chunk = Math.min(this.init.chunkBytes ?? info.chunkMax, info.chunkMax)
        const t0 = this.c.clock.nowMs()
        try {
          await transferImage(conn.client, {
            image: target.image, startOffset: begin.offset, windowFrames: window, chunkBytes: chunk,
            ackTimeoutMs: this.ackTimeoutMs(window, chunk), timeoutsMax: this.init.timeoutsMax ?? 5, stats,
            onProgress: (offset) => options.onProgress?.({ phase: 'transfer', offset, size })
          }, options)
        } finally {
          transferMs += this.c.clock.nowMs() - t0
        }
        options.onProgress?.({ phase: 'verify', offset: size, size })
        await this.simple(conn, MsgType.OTA_END)
        transferred = true
        await conn.client.request(MsgType.SET_BOOT, Uint8Array.of(slot), { timeoutMs: this.timeout() })
        options.onProgress?.({ phase: 'reboot', offset: size, size })
        const health = await this.reboot(conn, MsgType.REBOOT)
        if (health.runningSlot === slot && health.version === target.version && health.healthy) {
          options.onProgress?.({ phase: 'confirm', offset: size, size })
          await this.simple(conn, MsgType.CONFIRM)
          return await this.finish(conn, target, result)
        }
        if (health.runningSlot === slot && !health.healthy) {
          options.onProgress?.({ phase: 'rollback', offset: size, size })
          await this.rollback(conn)
        }
        const after = await this.hello(conn)
        return result('rolled-back', after, {
          errorCode: BridgeOtaError.code,
          errorMessage: health.runningSlot === slot
            ? `version ${target.version} reported unhealthy after boot; rolled back to ${previousVersion}`
            : `version ${target.version} did not come up (the bootloader went back to slot ${health.runningSlot}); rolled back to ${previousVersion}`
        })
      } catch (error) {
        if (options.signal?.aborted === true) throw error
        if (!isTransient(error)) {
          return result('failed', undefined, { errorCode: (error as { code?: string }).code ?? BridgeOtaError.code, errorMessage: (error as Error).message })
        }
        if (this.conn?.client.closed === true) await this.drop()
        if (resumes >= reconnectsMax) {
          await this.drop()
          return result('failed', undefined, { errorCode: BridgeOtaError.code, errorMessage: `gave up after ${resumes} resumes: ${(error as Error).message}` })
        }
        await this.c.clock.sleep(RECONNECT_DELAY_MS, options)
      }
    }
  }

  async close (): Promise<void> { await this.drop() }

  private async finish (conn: Connection, target: OtaTarget, result: (o: OtaOutcome, i: DeviceInfo) => OtaResult): Promise<OtaResult> {
    const info = await this.hello(conn)
    const running = info.runningSlot
    const ok = running <= 1 && info.slotStates[running as 0 | 1] === SlotState.VALID && info.slotVersions[running as 0 | 1] === target.version
    if (ok) return result('updated', info)
    const state = running <= 1 ? SLOT_STATE_NAMES[info.slotStates[running as 0 | 1]] : 'none'
    throw new BridgeOtaError(`read-back after CONFIRM: slot ${running} is ${state}, not a valid ${target.version}`, 'failed')
  }

  private async rollback (conn: Connection): Promise<HealthReport> { return await this.reboot(conn, MsgType.ROLLBACK) }

  /** Sends REBOOT or ROLLBACK and waits for the health report of the next boot. */
  private async reboot (conn: Connection, type: number): Promise<HealthReport> {
    const health = conn.client.nextHealth({ timeoutMs: this.init.healthTimeoutMs ?? 15_000 })
    health.catch(() => {})
    try {
      await this.simple(conn, type)
    } catch (error) {
      // The answer can be lost in the reset itself; the health report is what counts.
      if (!(error instanceof BridgeTimeoutError) || conn.client.closed) throw error
    }
    return await health
  }

  private async simple (conn: Connection, type: number): Promise<void> {
    await conn.client.request(type, new Uint8Array(0), { timeoutMs: this.timeout() })
  }

  private async hello (conn: Connection): Promise<DeviceInfo> {
    const ask = async (): Promise<DeviceInfo> => decodeInfo(await conn.client.request(MsgType.HELLO, encodeHello(PROTOCOL_VERSION), { timeoutMs: this.timeout() }))
    try {
      return await ask()
    } catch (error) {
      // A boot report buffered in the port before we opened it cancels the first HELLO: ask once more.
      if (!(error instanceof BridgeTimeoutError) || conn.client.closed) throw error
      return await ask()
    }
  }

  private async connection (options: AbortOptions): Promise<Connection> {
    if (this.conn !== undefined && !this.conn.client.closed) return this.conn
    const link = await this.c.connect(options)
    const client = new BridgeClient(link, this.c.clock, 1 + (this.connections++ * 97) % 255)
    const conn: Connection = { link, client }
    client.onHealth((h) => { conn.lastHealth = h })
    this.conn = conn
    return conn
  }

  private async drop (): Promise<void> {
    const conn = this.conn
    this.conn = undefined
    if (conn === undefined) return
    conn.client.close()
    await conn.link.close().catch(() => {})
  }

  private timeout (): number { return this.init.requestTimeoutMs ?? 3000 }

  /** A full window must cross the line (both ways) before its last ack can come back. */
  private ackTimeoutMs (window: number, chunk: number): number {
    const baud = this.init.baudRate ?? 115200
    return Math.ceil(this.timeout() + (2 * window * (chunk + 16) * 11 * 1000) / baud)
  }
}

function isTransient (error: unknown): boolean {
  if (error instanceof DeviceResetError || error instanceof BridgeTimeoutError) return true
  if (error instanceof BridgeDeviceError) {
    // The device lost its session or its state changed under us (a reset): start over from HELLO.
    return error.wireCode === WireError.NO_SESSION || error.wireCode === WireError.BAD_STATE || error.wireCode === WireError.HASH_MISMATCH ||
      error.wireCode === WireError.BAD_CRC || error.wireCode === WireError.BAD_FRAME
  }
  return (error as { code?: string }).code === 'FLEET_ERR_SERIAL_LINK'
}
