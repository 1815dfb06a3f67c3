/**
 * LoRa devices in a canary deployment with rollback: the coordinator's pure rollout controller
 * (node/coordinator/rollout, driven by its RolloutDriver) publishes phase plans; a gateway loop
 * picks the LoRa children in each plan's cohort (fleet-bridge), delivers over the simulated lossy
 * modem to real C device processes (one multicast stream per phase), and files the DeviceReports
 * the controller reads. Virtual time: a phase of two hours passes at once. What is simulated
 * here rather than wired: the plan transport (the test hands actions to the gateway loop instead
 * of gossip) and the registry (the children list).
 */
import { execFile } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RolloutDriver } from '../../node/coordinator/rollout/fixtures.js'
import { parseDeploymentSpec } from '../../node/coordinator/rollout/index.js'
import type { PublishPlanAction } from '../../node/coordinator/rollout/index.js'
import { systemClock } from '../../node/ports/index.js'
import type { Clock } from '../../node/ports/index.js'
import { SimRandom } from '../../simulations/engine/prng.js'
import { seededBytes as seeded } from '../../test/support/seeded-bytes.js'
import { memoryLinkPair } from '../link/index.js'
import { rawPublicKey, sealEnvelope } from './envelope.js'
import { childrenInCohort, childrenToUpdate, fuotaReports } from './fleet-bridge.js'
import type { LoraChild } from './fleet-bridge.js'
import { FuotaSession } from './fuota-session.js'
import { LoraModemDriver } from './modem-driver.js'
import { ProcessDevice } from './process-device.js'
import { SimulatedModem } from './sim-modem.js'
import { steppingClock } from './stepping-clock.js'

const HOUR = 3_600_000
const fleetKeys = generateKeyPairSync('ed25519')
const strangerKeys = generateKeyPairSync('ed25519')
const v1 = seeded(31, 6 * 1024)
const v2 = seeded(32, 6 * 1024)
let dir = ''
let files = 0

beforeAll(async () => {
  await promisify(execFile)('make', ['-s', '-C', 'firmware-bridge/lora', 'all'], { timeout: 120_000 })
  dir = await mkdtemp(join(tmpdir(), 'lora-rollout-'))
}, 180_000)
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

interface Child extends LoraChild { imagePath: string, runs: string, trusts: KeyObject }

async function makeChildren (count: number, trusts: (i: number) => KeyObject): Promise<Child[]> {
  const out: Child[] = []
  for (let i = 0; i < count; i++) {
    const imagePath = join(dir, `lora-${i}-${files++}.bin`)
    await writeFile(imagePath, v1)
    out.push({ deviceId: `lora-${String(i).padStart(2, '0')}`, devAddr: 0x26020000 + i, firmwareVersion: 1, imagePath, runs: '1.0.0', trusts: trusts(i) })
  }
  return out
}

/** The gateway's part of one plan: deliver to the cohort's children that need it, then report. */
async function carryOut (action: PublishPlanAction, r: RolloutDriver, children: Child[], clock: Clock, seed: number): Promise<number> {
  const counter = action.rollback ? 3 : 2 // rollback = the old image re-signed under a higher version
  const image = action.version === '2.0.0' ? v2 : v1
  const inCohort = childrenInCohort(children, action.phaseBasisPoints, action.phase, r.spec.id)
  const targets = childrenToUpdate(inCohort.filter(c => c.runs !== action.version), action.phaseBasisPoints, action.phase, r.spec.id, counter)
  if (targets.length > 0) {
    const [gatewaySide, modemSide] = memoryLinkPair()
    const modem = new SimulatedModem({ clock, random: new SimRandom(seed), link: modemSide }, { downlinkLoss: 0.1 })
    const devices = targets.map(c => new ProcessDevice({
      binary: 'firmware-bridge/lora/build/lora_device', devAddr: c.devAddr, publicKey: rawPublicKey(c.trusts), imagePath: c.imagePath, version: c.firmwareVersion, outPath: `${c.imagePath}.new`
    }))
    for (const d of devices) modem.attach(d)
    const driver = new LoraModemDriver(gatewaySide, systemClock())
    try {
      const session = new FuotaSession({ clock, modem: driver }, { dr: 5, multicast: { mcGroupId: 0, mcAddr: 0x01ff0000 + action.seq, mcKeyEncrypted: new Uint8Array(16) } })
      const result = await session.run(sealEnvelope({ kind: 'full', version: counter, image }, fleetKeys.privateKey), targets.map(c => c.devAddr))
      expect(modem.stats.dutyCycleRefusals).toBe(0)
      for (const report of fuotaReports(result, targets, { deploymentId: r.spec.id, planSeq: action.seq, appVersion: action.version })) {
        r.reports.set(report.deviceId, { ...report, sentMs: clock.nowMs() })
        const child = targets.find(c => c.deviceId === report.deviceId)!
        if (report.errorCode === '') {
          await copyFile(`${child.imagePath}.new`, child.imagePath) // the device reboots into it
          child.runs = action.version
          child.firmwareVersion = counter
        }
      }
    } finally {
      await driver.close()
      await modem.close()
      await Promise.all(devices.map(async d => { await d.close() }))
    }
  }
  // Cohort members already on the version say so (the gateway knows what its children run).
  for (const c of inCohort) {
    if (c.runs === action.version && !targets.includes(c)) r.report([{ id: c.deviceId, labels: {}, groups: ['lora'] }], { appVersion: c.runs, step: 'switch', planSeq: action.seq, sentMs: clock.nowMs() })
  }
  return targets.length
}

async function runDeployment (children: Child[], seed: number): Promise<{ r: RolloutDriver, delivered: number[] }> {
  const spec = parseDeploymentSpec({
    id: `dep-lora-${seed}`, app: 'sensor-fw', version: '2.0.0', rollbackTo: '1.0.0', target: 'group:lora', strategy: 'canary',
    phases: [{ percent: 30, durationMs: 2 * HOUR }, { percent: 100, durationMs: 2 * HOUR }],
    minSamples: 2, triggers: [{ metric: 'error_rate', threshold: 0.3, minSamples: 2, action: 'immediate' }]
  })
  const clock = steppingClock(1_700_000_000_000)
  const r = new RolloutDriver(spec, children.map(c => ({ id: c.deviceId, labels: {}, groups: ['lora'] })), clock.nowMs())
  const delivered: number[] = []
  let handled = 0
  for (let step = 0; step < 12 && !['succeeded', 'rolled-back', 'failed', 'paused'].includes(r.state.status); step++) {
    // Decide, carry out what was published, decide again on the reports, until nothing new.
    for (let settle = 0; settle < 5; settle++) {
      r.nowMs = clock.nowMs()
      r.tick()
      const fresh = r.plans().slice(handled)
      if (fresh.length === 0) break
      handled = r.plans().length
      for (const action of fresh) delivered.push(await carryOut(action, r, children, clock, seed * 100 + handled))
    }
    await clock.sleep(2 * HOUR + 1)
  }
  return { r, delivered }
}

describe('LoRa devices in a canary deployment', () => {
  it('go through the canary phase, then the rest, and all run the new firmware', async () => {
    const children = await makeChildren(10, () => fleetKeys.publicKey)
    const { r, delivered } = await runDeployment(children, 1)
    expect(r.state.status).toBe('succeeded')
    expect(delivered[0]).toBeGreaterThan(0)
    expect(delivered[0]).toBeLessThan(10) // the canary is a part of the fleet
    expect(delivered.reduce((a, b) => a + b, 0)).toBe(10) // each device updated once
    for (const c of children) expect(new Uint8Array(await readFile(c.imagePath))).toEqual(v2)
  }, 120_000)

  it('roll back when canary devices refuse the firmware: the ones that took it get the old image back', async () => {
    // Every other device was provisioned with another key: it refuses the fleet's signature.
    const children = await makeChildren(10, i => i % 2 === 0 ? fleetKeys.publicKey : strangerKeys.publicKey)
    const { r } = await runDeployment(children, 2)
    expect(r.state.status, JSON.stringify(r.state.reason)).toBe('rolled-back')
    const plans = r.plans()
    expect(plans.some(p => p.rollback)).toBe(true)
    const canary = childrenInCohort(children, plans[0]!.phaseBasisPoints, 0, r.spec.id)
    expect(canary.length).toBeLessThan(10)
    for (const c of children) {
      expect(c.runs).toBe('1.0.0') // nobody is left on 2.0.0
      expect(new Uint8Array(await readFile(c.imagePath))).toEqual(v1)
      if (!canary.includes(c)) expect(await stat(`${c.imagePath}.new`).then(() => true, () => false)).toBe(false) // never touched
    }
    const rolledBack = children.filter(c => c.firmwareVersion === 3)
    expect(rolledBack.length).toBeGreaterThan(0) // some took 2.0.0 and were rolled back to 1.0.0 signed as version 3
  }, 120_000)
})
