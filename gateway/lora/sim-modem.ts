/**
 * A simulated LoRa modem with its radio neighbourhood: it answers the MODEM.md command set on
 * its end of a ByteLink (a memory pair or a pty), puts each downlink "on air" for the time the
 * Semtech formula gives, and hands it to every simulated device, each of which misses it with
 * the seeded loss probability on its own (multicast frames are lost independently per device).
 * Uplinks from devices come back as `+RX:` lines, also subject to loss. Like a certified modem
 * it keeps its own duty-cycle ledger and refuses a frame that would break the limit, which makes
 * it an independent check on the gateway's scheduler.
 */
import type { Clock, Random } from '../../node/ports/index.js'
import type { ByteLink, Unsubscribe } from '../link/index.js'
import { DutyCycleLedger } from './duty-cycle.js'
import { airtimeMs, isDataRate, maxPayload, subBandOf } from './eu868.js'
import { fromHex, onLines, toHex } from './line-reader.js'

export const SIM_MODEM_VERSION = 'FLEETD-SIM-LORA 1.0'

/** A device on the simulated air: gets downlinks, sends uplinks. */
export interface RadioDevice {
  readonly name: string
  readonly devAddr: number
  /** Resolves once the device has handled the frame (and sent any answer it makes). */
  receive(frame: { addr: number, fport: number, payload: Uint8Array }): Promise<void>
  onTransmit(listener: (frame: { fport: number, payload: Uint8Array }) => void): Unsubscribe
}

export interface SimulatedModemInit {
  /** Probability that a device misses a downlink. @default 0 */
  downlinkLoss?: number
  /** Probability that the gateway misses an uplink. @default downlinkLoss */
  uplinkLoss?: number
  /** Refuse frames that break the sub-band limit (ERROR 4). @default true */
  enforceDutyCycle?: boolean
}

export interface SimulatedModemComponents { clock: Clock, random: Random, link: ByteLink }

export interface SimulatedModemStats {
  downlinks: number
  airtimeMs: number
  delivered: number
  lostDownlinks: number
  lostUplinks: number
  dutyCycleRefusals: number
}

export class SimulatedModem {
  readonly stats: SimulatedModemStats = { downlinks: 0, airtimeMs: 0, delivered: 0, lostDownlinks: 0, lostUplinks: 0, dutyCycleRefusals: 0 }
  readonly ledger = new DutyCycleLedger()
  private readonly devices: RadioDevice[] = []
  private readonly unsubscribe: Unsubscribe[] = []
  private work: Promise<void> = Promise.resolve()
  private readonly downlinkLoss: number
  private readonly uplinkLoss: number

  constructor (private readonly components: SimulatedModemComponents, private readonly init: SimulatedModemInit = {}) {
    this.downlinkLoss = init.downlinkLoss ?? 0
    this.uplinkLoss = init.uplinkLoss ?? this.downlinkLoss
    this.unsubscribe.push(onLines(components.link, (line) => {
      // Commands are handled one after another, as a modem's single UART task would.
      this.work = this.work.then(async () => { await this.handle(line) }).catch(() => {})
    }, () => { void this.answer('ERROR 1 line-too-long') }))
  }

  attach (device: RadioDevice): void {
    this.devices.push(device)
    this.unsubscribe.push(device.onTransmit((frame) => {
      if (this.draw() < this.uplinkLoss) { this.stats.lostUplinks++; return }
      const line = `+RX: ${device.devAddr.toString(16).padStart(8, '0')},${frame.fport},5,868100000,-97,7.5,${toHex(frame.payload)}`
      void this.answer(line)
    }))
  }

  async close (): Promise<void> {
    for (const u of this.unsubscribe) u()
    await this.work
  }

  private draw (): number { return this.components.random.nextU32() / 2 ** 32 }

  private async answer (line: string): Promise<void> {
    await this.components.link.write(Buffer.from(`${line}\r\n`, 'latin1')).catch(() => {})
  }

  private async handle (line: string): Promise<void> {
    if (line === 'AT') { await this.answer('OK'); return }
    if (line === 'AT+VER?') { await this.answer(`+VER: ${SIM_MODEM_VERSION}`); await this.answer('OK'); return }
    const airtime = /^AT\+AIRTIME=(\d),(\d{1,3})$/.exec(line)
    if (airtime !== null) {
      const dr = Number(airtime[1])
      if (!isDataRate(dr)) { await this.answer('ERROR 1 bad-data-rate'); return }
      await this.answer(`+AIRTIME: ${airtimeMs(dr, Number(airtime[2]), { crc: false }).toFixed(3)}`)
      await this.answer('OK')
      return
    }
    const tx = /^AT\+TX=([0-9a-fA-F]{8}),(\d{1,3}),(\d),(\d{9}),([0-9a-fA-F]*)$/.exec(line)
    if (tx !== null) { await this.transmit(tx); return }
    await this.answer('ERROR 1 unknown-command')
  }

  private async transmit (match: RegExpExecArray): Promise<void> {
    const [, addrHex, fportText, drText, freqText, hex] = match
    const dr = Number(drText)
    const fport = Number(fportText)
    const frequencyHz = Number(freqText)
    const payload = fromHex(hex ?? '')
    if (!isDataRate(dr) || payload === undefined || fport < 1 || fport > 223) { await this.answer('ERROR 1 bad-argument'); return }
    if (payload.length > maxPayload(dr)) { await this.answer('ERROR 2 payload-too-long'); return }
    try { subBandOf(frequencyHz) } catch { await this.answer('ERROR 1 bad-frequency'); return }
    const onAirMs = airtimeMs(dr, payload.length, { crc: false })
    const nowMs = this.components.clock.nowMs()
    if ((this.init.enforceDutyCycle ?? true) && this.ledger.earliestStartMs(frequencyHz, onAirMs, nowMs) > nowMs + 1e-3) {
      this.stats.dutyCycleRefusals++
      await this.answer('ERROR 4 duty-cycle')
      return
    }
    this.ledger.record(frequencyHz, nowMs, onAirMs)
    this.stats.downlinks++
    this.stats.airtimeMs += onAirMs
    await this.components.clock.sleep(onAirMs)
    const addr = Number.parseInt(addrHex ?? '0', 16)
    const heard = this.devices.filter(() => {
      const lost = this.draw() < this.downlinkLoss
      if (lost) this.stats.lostDownlinks++
      return !lost
    })
    this.stats.delivered += heard.length
    await Promise.all(heard.map(async device => { await device.receive({ addr, fport, payload }) }))
    await this.answer(`+TX: ${onAirMs.toFixed(3)}`)
    await this.answer('OK')
  }
}
