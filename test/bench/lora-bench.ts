/**
 * `npm run bench:lora`: a 100 KiB firmware image to LoRa devices at 10% downlink loss, through
 * the real stack (FUOTA session → modem driver → simulated lossy modem → C device processes),
 * in virtual time (the duty-cycle waits pass instantly; airtime follows the Semtech formula).
 * Prints, side by side:
 *   - fragments sent vs the minimum (NbFrag) vs an ARQ baseline (resend each lost fragment
 *     until every device has it), for one device and for a 10-device multicast group;
 *   - airtime and wall time at 1% (g1: 868.1/.3/.5 MHz) and 10% (g3: 869.525 MHz), under the
 *     ETSI one-hour window and under LoRaWAN's per-frame off-time;
 *   - delta size vs the full image for a realistic small change, and its delivery time.
 * Environment: BENCH_SEED (default 1), BENCH_LOSS (default 0.1).
 */
import { execFile } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { systemClock } from '../../node/ports/index.js'
import { SimRandom } from '../../simulations/engine/prng.js'
import { seededBytes } from '../support/seeded-bytes.js'
import { memoryLinkPair } from '../../gateway/link/index.js'
import { encodeDelta } from '../../gateway/lora/delta.js'
import { DutyCycleLedger } from '../../gateway/lora/duty-cycle.js'
import type { DutyCyclePolicy } from '../../gateway/lora/duty-cycle.js'
import { rawPublicKey, sealEnvelope } from '../../gateway/lora/envelope.js'
import { EU868_DEFAULT_CHANNELS_HZ, EU868_RX2_HZ } from '../../gateway/lora/eu868.js'
import { FuotaSession } from '../../gateway/lora/fuota-session.js'
import type { FuotaResult } from '../../gateway/lora/fuota-session.js'
import { LoraModemDriver } from '../../gateway/lora/modem-driver.js'
import { ProcessDevice } from '../../gateway/lora/process-device.js'
import { SimulatedModem } from '../../gateway/lora/sim-modem.js'
import { steppingClock } from '../../gateway/lora/stepping-clock.js'

const SEED = Number(process.env.BENCH_SEED ?? 1)
const LOSS = Number(process.env.BENCH_LOSS ?? 0.1)
const BINARY = 'firmware-bridge/lora/build/lora_device'
const MC_ADDR = 0x01ffee00

await promisify(execFile)('make', ['-s', '-C', 'firmware-bridge/lora', 'all'])
const dir = await mkdtemp(join(tmpdir(), 'fleetd-lora-bench-'))
const keys = generateKeyPairSync('ed25519')
const v1 = seededBytes(SEED, 100 * 1024)
// A realistic small change: a 600-byte function inserted, 12 patched 4-byte constants
// (addresses after the insertion), a new version string.
const v2 = new Uint8Array([...v1.subarray(0, 51_200), ...seededBytes(SEED + 1, 600), ...v1.subarray(51_200)])
for (let i = 0; i < 12; i++) v2.set(seededBytes(SEED + 2 + i, 4), 60_000 + i * 3_000)
v2.set(Buffer.from('fw 1.0.1'), 256)
await writeFile(join(dir, 'v1.bin'), v1)

interface Case { name: string, channels: readonly number[], policy: DutyCyclePolicy, devices: number, multicast: boolean, kind: 'full' | 'delta' }

async function deliver (c: Case): Promise<FuotaResult & { realMs: number }> {
  const started = performance.now()
  const clock = steppingClock(0)
  const [gatewaySide, modemSide] = memoryLinkPair({ maxChunkBytes: 1024 })
  const modem = new SimulatedModem({ clock, random: new SimRandom(SEED), link: modemSide }, { downlinkLoss: LOSS, uplinkLoss: LOSS })
  const devices = Array.from({ length: c.devices }, (_, i) => new ProcessDevice({
    binary: BINARY, devAddr: 0x26010000 + i, publicKey: rawPublicKey(keys.publicKey), imagePath: join(dir, 'v1.bin'), version: 1, outPath: join(dir, `out-${i}.bin`)
  }))
  for (const d of devices) modem.attach(d)
  const driver = new LoraModemDriver(gatewaySide, systemClock())
  const envelope = c.kind === 'full'
    ? sealEnvelope({ kind: 'full', version: 2, image: v2 }, keys.privateKey)
    : sealEnvelope({ kind: 'delta', version: 2, image: v2, delta: encodeDelta(v1, v2) }, keys.privateKey)
  try {
    const session = new FuotaSession({ clock, modem: driver, ledger: new DutyCycleLedger(c.policy) }, {
      dr: 5, channelsHz: [...c.channels], expectedLoss: LOSS,
      ...(c.multicast ? { multicast: { mcGroupId: 0, mcAddr: MC_ADDR, mcKeyEncrypted: new Uint8Array(16) } } : {})
    })
    const result = await session.run(envelope, devices.map(d => d.devAddr))
    if (modem.stats.dutyCycleRefusals > 0) throw new Error(`the modem refused ${modem.stats.dutyCycleRefusals} frames: scheduler bug`)
    return { ...result, realMs: performance.now() - started }
  } finally {
    await driver.close()
    await modem.close()
    await Promise.all(devices.map(async d => { await d.close() }))
  }
}

/** ARQ baseline: each fragment is resent until every device has it (perfect, free feedback). */
function arqFragments (nbFrag: number, devices: number, random: SimRandom): number {
  let sent = 0
  for (let f = 0; f < nbFrag; f++) {
    let missing = devices
    while (missing > 0) {
      sent++
      let still = 0
      for (let d = 0; d < missing; d++) if (random.nextU32() / 2 ** 32 < LOSS) still++
      missing = still
    }
  }
  return sent
}

const hours = (ms: number): string => ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(2)} h` : `${(ms / 60_000).toFixed(1)} min`
const rows: string[][] = [['case', 'NbFrag (min)', 'fragments sent', 'sent/min', 'ARQ baseline', 'FEC/ARQ', 'rounds', 'airtime', 'ETA given', 'wall time', 'installed', 'bench real time']]
const cases: Case[] = [
  { name: '1 device, full, 10% band, window', channels: [EU868_RX2_HZ], policy: 'window', devices: 1, multicast: false, kind: 'full' },
  { name: '1 device, full, 10% band, off-time', channels: [EU868_RX2_HZ], policy: 'off-time', devices: 1, multicast: false, kind: 'full' },
  { name: '1 device, full, 1% band, window', channels: EU868_DEFAULT_CHANNELS_HZ, policy: 'window', devices: 1, multicast: false, kind: 'full' },
  { name: '1 device, full, 1% band, off-time', channels: EU868_DEFAULT_CHANNELS_HZ, policy: 'off-time', devices: 1, multicast: false, kind: 'full' },
  { name: '10 devices multicast, full, 10% band, off-time', channels: [EU868_RX2_HZ], policy: 'off-time', devices: 10, multicast: true, kind: 'full' },
  { name: '1 device, delta, 1% band, off-time', channels: EU868_DEFAULT_CHANNELS_HZ, policy: 'off-time', devices: 1, multicast: false, kind: 'delta' }
]
try {
  const results = new Map<string, FuotaResult>()
  for (const c of cases) {
    const r = await deliver(c)
    results.set(c.name, r)
    const arq = arqFragments(r.nbFrag, c.devices, new SimRandom(SEED + 100))
    const installed = [...r.devices.values()].filter(v => v === 'installed').length
    const others = [...r.devices.values()].filter(v => v !== 'installed')
    if (others.length > 0) console.error(`${c.name}: not installed: ${others.join(', ')}`)
    rows.push([c.name, String(r.nbFrag), String(r.fragmentsSent), (r.fragmentsSent / r.nbFrag).toFixed(3), String(arq), (r.fragmentsSent / arq).toFixed(3),
      String(r.rounds), `${(r.airtimeMs / 1000).toFixed(1)} s`, hours(r.initialEtaMs), hours(r.elapsedMs), `${installed}/${c.devices}`, `${(r.realMs / 1000).toFixed(1)} s`])
    console.error(`done: ${c.name}`)
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map(r => r[i]!.length)))
  console.log(`\nbench:lora — 100 KiB image, ${Math.round(LOSS * 100)}% downlink loss, DR5 (SF7/125 kHz, 239-byte fragments), seed ${SEED}\n`)
  for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  '))
  const delta = encodeDelta(v1, v2)
  console.log(`\ndelta (600-byte insert + 12 patched constants + version string): ${delta.length} bytes vs ${v2.length} full = ${(delta.length / v2.length * 100).toFixed(2)}% (${(v2.length / delta.length).toFixed(0)}× smaller)`)
  const full = results.get('1 device, full, 1% band, off-time')
  const viaDelta = results.get('1 device, delta, 1% band, off-time')
  if (full !== undefined && viaDelta !== undefined) {
    console.log(`delta vs full, 1 device, 1% band, off-time: ${full.fragmentsSent - viaDelta.fragmentsSent} fragments saved (${viaDelta.fragmentsSent} vs ${full.fragmentsSent}), ` +
      `${((full.airtimeMs - viaDelta.airtimeMs) / 1000).toFixed(1)} s of airtime saved (${(viaDelta.airtimeMs / 1000).toFixed(1)} vs ${(full.airtimeMs / 1000).toFixed(1)} s), ` +
      `wall time ${hours(viaDelta.elapsedMs)} vs ${hours(full.elapsedMs)}`)
  }
  console.log('ARQ baseline: each fragment resent until every device has it, with free and perfect feedback (a lower bound for ARQ); FEC/ARQ < 1 means parity wins.')
  console.log('ETA given: the scheduler\'s estimate before the first fragment (first round only); wall time includes the status and parity rounds.')
} finally {
  await rm(dir, { recursive: true, force: true })
}
