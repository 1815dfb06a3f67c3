/**
 * The gateway's driver for a LoRa modem on a serial line (command set: MODEM.md). One command
 * is in flight at a time; unsolicited `+RX:` lines become uplink events whenever they arrive.
 */
import type { AbortOptions, Clock } from '../../node/ports/index.js'
import type { ByteLink, Unsubscribe } from '../link/index.js'
import { MODEM_ANSWER_TIMEOUT_MS } from './constants.js'
import { LoraModemError } from './errors.js'
import { airtimeMs, isDataRate, maxPayload } from './eu868.js'
import type { DataRate } from './eu868.js'
import { fromHex, onLines, toHex } from './line-reader.js'

export interface Downlink {
  /** DevAddr of one device, or McAddr of a multicast group. */
  dest: number
  fport: number
  dr: DataRate
  frequencyHz: number
  payload: Uint8Array
}

export interface Uplink {
  devAddr: number
  fport: number
  dr: DataRate
  frequencyHz: number
  rssi: number
  snr: number
  payload: Uint8Array
}

interface Pending { lines: string[], resolve: (lines: string[]) => void, reject: (error: Error) => void }

export class LoraModemDriver {
  private pending?: Pending
  private queue: Promise<unknown> = Promise.resolve()
  private readonly uplinkListeners = new Set<(uplink: Uplink) => void>()
  private readonly unsubscribe: Unsubscribe[] = []
  private closedError?: Error

  /** `clock` times answers out: give it the system clock whenever the modem is a real device or process. */
  constructor (private readonly link: ByteLink, private readonly clock: Clock) {
    this.unsubscribe.push(onLines(link, line => { this.onLine(line) }, bytes => {
      this.pending?.reject(new LoraModemError(`modem on ${link.description} sent a line over ${bytes} bytes: wrong baud rate or not a FleetD LoRa modem`))
    }))
    this.unsubscribe.push(link.onClose((error) => {
      this.closedError = new LoraModemError(`modem link ${link.description} closed${error ? `: ${error.message}` : ''}`)
      this.pending?.reject(this.closedError)
    }))
  }

  onUplink (listener: (uplink: Uplink) => void): Unsubscribe {
    this.uplinkListeners.add(listener)
    return () => { this.uplinkListeners.delete(listener) }
  }

  async version (options: AbortOptions = {}): Promise<string> {
    const lines = await this.command('AT+VER?', MODEM_ANSWER_TIMEOUT_MS, options)
    const answer = lines.find(l => l.startsWith('+VER: '))
    if (answer === undefined) throw new LoraModemError(`modem on ${this.link.description} answered AT+VER? without +VER: is it a FleetD LoRa modem?`)
    return answer.slice(6)
  }

  /** Sends one downlink; resolves with the airtime the modem reports once it is on air and done. */
  async transmit (frame: Downlink, options: AbortOptions = {}): Promise<{ airtimeMs: number }> {
    if (!isDataRate(frame.dr)) throw new LoraModemError(`data rate ${String(frame.dr)} is not an EU868 DR0..DR5`)
    if (frame.payload.length > maxPayload(frame.dr)) {
      throw new LoraModemError(`a ${frame.payload.length}-byte payload is over the ${maxPayload(frame.dr)} bytes DR${frame.dr} carries: use a faster data rate or smaller fragments`)
    }
    const command = `AT+TX=${frame.dest.toString(16).padStart(8, '0')},${frame.fport},${frame.dr},${frame.frequencyHz},${toHex(frame.payload)}`
    const expected = airtimeMs(frame.dr, frame.payload.length, { crc: false })
    const lines = await this.command(command, expected + MODEM_ANSWER_TIMEOUT_MS, options)
    const answer = lines.find(l => l.startsWith('+TX: '))
    const reported = Number(answer?.slice(5))
    if (!Number.isFinite(reported)) throw new LoraModemError(`modem answered ${command.slice(0, 20)}… without its airtime (+TX:)`)
    return { airtimeMs: reported }
  }

  async close (): Promise<void> {
    for (const u of this.unsubscribe) u()
    await this.link.close()
  }

  private async command (text: string, timeoutMs: number, options: AbortOptions): Promise<string[]> {
    const run = async (): Promise<string[]> => {
      if (this.closedError !== undefined) throw this.closedError
      options.signal?.throwIfAborted()
      const timeout = new AbortController()
      const answered = new Promise<string[]>((resolve, reject) => { this.pending = { lines: [], resolve, reject } })
      // It may fail (timeout, link closed) while the write is still in progress: handled below.
      answered.catch(() => {})
      const timer = this.clock.sleep(timeoutMs, { signal: timeout.signal }).then(() => {
        this.pending?.reject(new LoraModemError(`modem on ${this.link.description} did not answer ${text.split('=')[0]} within ${Math.round(timeoutMs)} ms: check the port and that the modem is powered`))
      }, () => {})
      try {
        await this.link.write(Buffer.from(`${text}\r\n`, 'latin1'), options)
        return await answered
      } finally {
        timeout.abort()
        await timer
        this.pending = undefined
      }
    }
    const result = this.queue.then(run, run)
    this.queue = result.catch(() => {})
    return await result
  }

  private onLine (line: string): void {
    if (line.startsWith('+RX: ')) {
      const uplink = parseRx(line.slice(5))
      if (uplink !== undefined) for (const listener of this.uplinkListeners) listener(uplink)
      return
    }
    const pending = this.pending
    if (pending === undefined) return
    if (line === 'OK') { pending.resolve(pending.lines); return }
    if (line.startsWith('ERROR')) { pending.reject(new LoraModemError(`modem refused the command: ${line}`)); return }
    pending.lines.push(line)
  }
}

function parseRx (text: string): Uplink | undefined {
  const [addr, fport, dr, freq, rssi, snr, hex] = text.split(',')
  const payload = fromHex(hex ?? 'x')
  const values = [addr, fport, dr, freq, rssi, snr].map((v, i) => i === 0 ? Number.parseInt(v ?? '', 16) : Number(v))
  if (payload === undefined || values.some(v => !Number.isFinite(v)) || !isDataRate(values[2]!)) return undefined
  return { devAddr: values[0]!, fport: values[1]!, dr: values[2], frequencyHz: values[3]!, rssi: values[4]!, snr: values[5]!, payload }
}
