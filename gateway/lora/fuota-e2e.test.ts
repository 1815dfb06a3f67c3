/**
 * End to end: the gateway's FUOTA session drives the modem driver, which talks to the
 * simulated lossy modem over a ByteLink; the modem's radio delivers to real processes running
 * the C device reference (firmware-bridge/lora/build/lora_device), which rebuild the block with
 * parity fragments, verify the Ed25519 signature and SHA-256, apply deltas and report.
 */
import { execFile } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../node/ports/index.js'
import { SimRandom } from '../../simulations/engine/prng.js'
import { seededBytes as seeded } from '../../test/support/seeded-bytes.js'
import { memoryLinkPair } from '../link/index.js'
import { encodeDelta } from './delta.js'
import { rawPublicKey, sealEnvelope } from './envelope.js'
import { FuotaSession } from './fuota-session.js'
import type { FuotaSessionInit } from './fuota-session.js'
import { LoraModemDriver } from './modem-driver.js'
import { encryptMcKey, mcKEKey } from './multicast.js'
import { ProcessDevice } from './process-device.js'
import { SimulatedModem } from './sim-modem.js'
import { steppingClock } from './stepping-clock.js'

const seededBytes = (length: number, seed: number): Uint8Array => seeded(seed, length)
const BINARY = 'firmware-bridge/lora/build/lora_device'
const keys = generateKeyPairSync('ed25519')
const otherKeys = generateKeyPairSync('ed25519')
let dir = ''
const v1 = seededBytes(24 * 1024, 1)
// A realistic small change: a patched version string and a 300-byte function inserted mid-image.
const v2 = (() => {
  const out = new Uint8Array(v1.length + 300)
  out.set(v1.subarray(0, 9000))
  out.set(seededBytes(300, 2), 9000)
  out.set(v1.subarray(9000), 9300)
  out.set(Buffer.from('fw 1.0.1'), 64)
  return out
})()

beforeAll(async () => {
  await promisify(execFile)('make', ['-s', '-C', 'firmware-bridge/lora', 'all'], { timeout: 120_000 })
  dir = await mkdtemp(join(tmpdir(), 'lora-e2e-'))
  await writeFile(join(dir, 'v1.bin'), v1)
}, 180_000)
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

interface Run { result: Awaited<ReturnType<FuotaSession['run']>>, modem: SimulatedModem, outs: string[] }

async function deliver (envelope: Uint8Array, count: number, loss: number, seed: number, init: FuotaSessionInit, publicKey = rawPublicKey(keys.publicKey)): Promise<Run> {
  const clock = steppingClock(1_700_000_000_000)
  const [gatewaySide, modemSide] = memoryLinkPair()
  const modem = new SimulatedModem({ clock, random: new SimRandom(seed), link: modemSide }, { downlinkLoss: loss })
  const outs: string[] = []
  const devices: ProcessDevice[] = []
  for (let i = 0; i < count; i++) {
    const out = join(dir, `seed${seed}-dev${i}.bin`)
    outs.push(out)
    const device = new ProcessDevice({ binary: BINARY, devAddr: 0x26010000 + i, publicKey, imagePath: join(dir, 'v1.bin'), version: 1, outPath: out })
    devices.push(device)
    modem.attach(device)
  }
  const driver = new LoraModemDriver(gatewaySide, systemClock())
  try {
    const session = new FuotaSession({ clock, modem: driver }, init)
    const result = await session.run(envelope, devices.map(d => d.devAddr))
    return { result, modem, outs }
  } finally {
    await driver.close()
    await modem.close()
    await Promise.all(devices.map(async d => { await d.close() }))
  }
}

const exists = async (path: string): Promise<boolean> => await stat(path).then(() => true, () => false)

describe('LoRa FUOTA end to end (C devices behind the simulated lossy modem)', () => {
  it('installs a full signed image on 3 devices at 10% loss, within the duty cycle', async () => {
    const envelope = sealEnvelope({ kind: 'full', version: 2, image: v2 }, keys.privateKey)
    const { result, modem, outs } = await deliver(envelope, 3, 0.1, 1, { dr: 5 })
    expect([...result.devices.values()]).toEqual(['installed', 'installed', 'installed'])
    for (const out of outs) expect(new Uint8Array(await readFile(out))).toEqual(v2)
    expect(modem.stats.dutyCycleRefusals).toBe(0) // the modem's own ledger never had to refuse
    expect(modem.stats.lostDownlinks).toBeGreaterThan(0)
    // Unicast: every device gets its own copy of each fragment, and parity covers the losses.
    expect(result.fragmentsSent).toBeGreaterThanOrEqual(3 * result.nbFrag)
    // All of it fits in the hour's 360 s budget of the 10% band, so it goes out nearly back to back.
    expect(result.airtimeMs).toBeLessThan(360_000)
    expect(result.elapsedMs).toBeGreaterThanOrEqual(result.airtimeMs)
    expect(result.initialEtaMs).toBeLessThanOrEqual(result.elapsedMs)
  }, 120_000)

  it('installs a delta on 4 devices through one TS005 multicast stream', async () => {
    const delta = encodeDelta(v1, v2)
    expect(delta.length).toBeLessThan(v2.length / 20)
    const envelope = sealEnvelope({ kind: 'delta', version: 2, image: v2, delta }, keys.privateKey)
    const mcKey = seededBytes(16, 5)
    const { result, outs } = await deliver(envelope, 4, 0.1, 2, {
      dr: 5, multicast: { mcGroupId: 1, mcAddr: 0x01ffee00, mcKeyEncrypted: encryptMcKey(mcKEKey(seededBytes(16, 6)), mcKey) }
    })
    expect([...result.devices.values()]).toEqual(['installed', 'installed', 'installed', 'installed'])
    for (const out of outs) expect(new Uint8Array(await readFile(out))).toEqual(v2)
    // One stream for all: fewer fragments than one per device each.
    expect(result.fragmentsSent).toBeLessThan(2 * result.nbFrag + 20)
  }, 120_000)

  it('refuses an image signed by a key the device does not trust, and installs nothing', async () => {
    const envelope = sealEnvelope({ kind: 'full', version: 2, image: v2 }, otherKeys.privateKey)
    const { result, outs } = await deliver(envelope, 1, 0, 3, { dr: 5 })
    expect(result.devices.get(0x26010000)).toBe('bad-signature')
    expect(await exists(outs[0]!)).toBe(false)
  }, 60_000)

  it('refuses a delta made against another base image', async () => {
    const delta = encodeDelta(seededBytes(v1.length, 99), v2)
    const envelope = sealEnvelope({ kind: 'delta', version: 2, image: v2, delta }, keys.privateKey)
    const { result } = await deliver(envelope, 1, 0, 4, { dr: 5 })
    expect(result.devices.get(0x26010000)).toBe('delta-base')
  }, 60_000)

  it('fails cleanly when losses exceed the redundancy and no parity rounds are allowed', async () => {
    const envelope = sealEnvelope({ kind: 'full', version: 2, image: v2 }, keys.privateKey)
    const { result, outs } = await deliver(envelope, 1, 0.4, 5, { dr: 5, expectedLoss: 0, roundsMax: 0 })
    expect(result.devices.get(0x26010000)).toBe('no-report')
    expect(result.missing.get(0x26010000)).toBeGreaterThan(0)
    expect(await exists(outs[0]!)).toBe(false)
  }, 60_000)
})
