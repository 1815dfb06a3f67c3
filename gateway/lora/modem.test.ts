/**
 * The modem driver against the simulated modem: over an in-memory link, and over a real pty
 * pair made by socat (the simulated modem stands where a USB modem would be).
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../node/ports/index.js'
import { SimRandom } from '../../simulations/engine/prng.js'
import { memoryLinkPair } from '../link/index.js'
import type { ByteLink, Unsubscribe } from '../link/index.js'
import { LoraModemError } from './errors.js'
import { airtimeMs } from './eu868.js'
import { LoraModemDriver } from './modem-driver.js'
import type { Uplink } from './modem-driver.js'
import { SIM_MODEM_VERSION, SimulatedModem } from './sim-modem.js'
import type { RadioDevice } from './sim-modem.js'
import { steppingClock } from './stepping-clock.js'
import { ttyLink } from './tty-link.js'

/** A device that echoes every downlink back as an uplink on the same port. */
function echoDevice (devAddr: number): RadioDevice & { heard: number } {
  const listeners = new Set<(f: { fport: number, payload: Uint8Array }) => void>()
  const device = {
    name: 'echo', devAddr, heard: 0,
    receive: (frame: { addr: number, fport: number, payload: Uint8Array }): Promise<void> => {
      if (frame.addr !== devAddr) return Promise.resolve()
      device.heard++
      for (const l of listeners) l({ fport: frame.fport, payload: frame.payload })
      return Promise.resolve()
    },
    onTransmit: (l: (f: { fport: number, payload: Uint8Array }) => void): Unsubscribe => { listeners.add(l); return () => { listeners.delete(l) } }
  }
  return device
}

async function exercise (gatewaySide: ByteLink, modemSide: ByteLink): Promise<void> {
  const clock = steppingClock(1_000_000)
  const modem = new SimulatedModem({ clock, random: new SimRandom(7), link: modemSide })
  const device = echoDevice(0x26011234)
  modem.attach(device)
  const driver = new LoraModemDriver(gatewaySide, systemClock())
  const uplinks: Uplink[] = []
  driver.onUplink(u => { uplinks.push(u) })
  expect(await driver.version()).toBe(SIM_MODEM_VERSION)
  const payload = Uint8Array.from({ length: 50 }, (_, i) => i)
  const sent = await driver.transmit({ dest: 0x26011234, fport: 201, dr: 5, frequencyHz: 869_525_000, payload })
  expect(sent.airtimeMs).toBeCloseTo(airtimeMs(5, 50, { crc: false }), 2)
  expect(clock.nowMs() - 1_000_000).toBeCloseTo(sent.airtimeMs, 2) // the modem was on air that long (virtual time)
  expect(uplinks).toHaveLength(1) // the echo arrived before the modem's OK
  expect(uplinks[0]).toMatchObject({ devAddr: 0x26011234, fport: 201, dr: 5 })
  expect(uplinks[0]!.payload).toEqual(payload)
  // Twelve 2.8 s SF12 frames fill the 36 s an hour of the 1% sub-band; the thirteenth breaks it:
  // the modem refuses, naming the reason.
  for (let i = 0; i < 12; i++) await driver.transmit({ dest: 1, fport: 201, dr: 0, frequencyHz: 868_100_000, payload: new Uint8Array(51) })
  await expect(driver.transmit({ dest: 1, fport: 201, dr: 0, frequencyHz: 868_100_000, payload: new Uint8Array(51) })).rejects.toThrow(/ERROR 4 duty-cycle/)
  expect(modem.stats.dutyCycleRefusals).toBe(1)
  await expect(driver.transmit({ dest: 1, fport: 201, dr: 0, frequencyHz: 868_100_000, payload: new Uint8Array(52) })).rejects.toThrow(/over the 51 bytes DR0 carries/)
  await driver.close()
  await modem.close()
}

describe('LoRa modem driver ↔ simulated modem', () => {
  it('transmits, reports airtime, delivers uplinks and refuses duty-cycle breaches (memory link)', async () => {
    const [a, b] = memoryLinkPair()
    await exercise(a, b)
  })

  it('loses frames at the seeded rate, per device', async () => {
    const [a, b] = memoryLinkPair()
    const clock = steppingClock()
    const modem = new SimulatedModem({ clock, random: new SimRandom(11), link: b }, { downlinkLoss: 0.3, uplinkLoss: 0 })
    const devices = [echoDevice(1), echoDevice(2)]
    for (const d of devices) modem.attach(d)
    const driver = new LoraModemDriver(a, systemClock())
    for (let i = 0; i < 400; i++) {
      await clock.sleep(2_000) // stay within the 10% band
      await driver.transmit({ dest: i % 2 === 0 ? 1 : 2, fport: 201, dr: 5, frequencyHz: 869_525_000, payload: new Uint8Array(10) })
    }
    for (const d of devices) expect(d.heard / 200).toBeGreaterThan(0.6)
    for (const d of devices) expect(d.heard / 200).toBeLessThan(0.8)
    await driver.close()
    await modem.close()
  })

  it('times out with a clear error when nothing answers', async () => {
    const [a] = memoryLinkPair()
    const driver = new LoraModemDriver(a, { nowMs: () => 0, sleep: async () => {} })
    await expect(driver.version()).rejects.toThrow(LoraModemError)
    await expect(driver.version()).rejects.toThrow(/did not answer AT\+VER\?/)
  })

  describe('over a pty pair (socat)', () => {
    let dir = ''
    let socat: ReturnType<typeof spawn> | undefined
    afterEach(async () => {
      socat?.kill()
      await rm(dir, { recursive: true, force: true })
    })

    it('works the same when the simulated modem sits behind a real pty', async () => {
      dir = await mkdtemp(join(tmpdir(), 'lora-pty-'))
      const gwPath = join(dir, 'gateway')
      const modemPath = join(dir, 'modem')
      socat = spawn('socat', [`pty,raw,echo=0,link=${gwPath}`, `pty,raw,echo=0,link=${modemPath}`], { stdio: 'ignore' })
      for (let i = 0; i < 100; i++) {
        if (await stat(gwPath).then(() => stat(modemPath)).then(() => true, () => false)) break
        await new Promise(resolve => setTimeout(resolve, 50))
      }
      const gatewaySide = ttyLink(gwPath)
      const modemSide = ttyLink(modemPath)
      try {
        await exercise(gatewaySide, modemSide)
      } finally {
        await gatewaySide.close()
        await modemSide.close()
      }
    })
  })
})
