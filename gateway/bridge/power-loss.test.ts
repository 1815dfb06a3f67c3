/**
 * Power loss: fb-host cuts its own power at 100 seeded points (a seeded schedule of erase/program
 * operations; the operation in progress is torn), over the real pty, while the gateway runs OTA
 * after OTA; the same seed also pulls the cable (closes the gateway's port) at random points in
 * a third of the transfers. After every cut the device must boot a valid image (old or new) and
 * the gateway must resume or roll back, never end on a broken device.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bridgeOta } from './index.js'
import type { OtaOutcome } from './index.js'
import { buildEspImage } from '../esp-image/index.js'
import { openSerialLink } from '../link/index.js'
import type { ByteLink } from '../link/index.js'
import { systemClock } from '../../node/ports/index.js'
import { mulberry32 } from '../../test/support/mulberry32.js'
import { buildFirmwareBridge, installFactoryImage, ptyPair, startFbHost } from '../../test/support/gateway-ptys.js'
import type { FbHost, PtyPair } from '../../test/support/gateway-ptys.js'

const SEED = Number(process.env.FLEET_POWER_SEED ?? 20261125)
const CUTS = 100
/** Flash operations between cuts: about one OTA cycle, so cuts land in every phase. */
const GAP_OPS_MAX = 60
const CYCLES_MAX = 400

describe('power loss during OTA', () => {
  let pty: PtyPair
  let device: FbHost
  const links: ByteLink[] = []
  beforeAll(async () => {
    buildFirmwareBridge()
    pty = await ptyPair()
    const flash = join(pty.dir, 'flash.bin')
    await writeFile(join(pty.dir, 'v1.bin'), buildEspImage({ version: '1.0.0', seed: 1, payloadBytes: 16_000 }))
    installFactoryImage(join(pty.dir, 'flash.bin'), join(pty.dir, 'v1.bin'))
    device = startFbHost({ port: pty.device, flash, powerCuts: `${SEED}:${CUTS}:${GAP_OPS_MAX}` })
  })
  afterAll(async () => {
    for (const l of links) await l.close()
    await device?.stop()
    await pty?.stop()
  })

  it(`boots a valid image after each of ${CUTS} seeded power cuts and cable pulls, and the gateway resumes or rolls back (reproduce with FLEET_POWER_SEED=${SEED})`, async () => {
    const images = [
      { image: buildEspImage({ version: '1.0.0', seed: 1, payloadBytes: 16_000 }), version: '1.0.0' },
      { image: buildEspImage({ version: '2.0.0', seed: 2, payloadBytes: 16_000 }), version: '2.0.0' }
    ]
    const clock = systemClock()
    const ota = bridgeOta({ requestTimeoutMs: 1000, healthTimeoutMs: 3000, reconnectsMax: 50 })({
      clock,
      connect: async () => { const l = await openSerialLink({ path: pty.gateway }); links.push(l); return l }
    })
    const outcomes: Record<OtaOutcome, number> = { updated: 0, 'already-current': 0, 'rolled-back': 0, failed: 0 }
    let resumes = 0
    let linkCuts = 0
    let target = 1
    const random = mulberry32(SEED)
    const cutsDone = (): number => (device.stderr().match(/power cut \d+/g) ?? []).length
    for (let cycle = 0; cycle < CYCLES_MAX && cutsDone() < CUTS; cycle++) {
      const cutAt = random() < 1 / 3 ? Math.floor(random() * images[target]!.image.length) : -1
      let pulled = false
      const result = await ota.update(images[target]!, {
        onProgress: (p) => {
          if (cutAt < 0 || pulled || p.phase !== 'transfer' || p.offset < cutAt) return
          pulled = true
          linkCuts++
          void links.at(-1)?.close()
        }
      })
      outcomes[result.outcome]++
      resumes += result.resumes
      expect(result.outcome, `cycle ${cycle}: ${result.errorMessage ?? ''}; reproduce with FLEET_POWER_SEED=${SEED}`).not.toBe('failed')
      if (result.outcome === 'updated' || result.outcome === 'already-current') target = 1 - target
    }
    // The last OTA ran without cuts: the device ends on a confirmed image.
    const final = await ota.update(images[target]!)
    await ota.close()
    expect(final.outcome).toBe('updated')
    expect(cutsDone()).toBe(CUTS)
    const boots = device.stderr().split('\n').filter((l) => l.includes('fb-host: boot'))
    expect(boots.length).toBeGreaterThan(CUTS)
    const bad = boots.filter((l) => !/boot slot [01] reason \d project 'fleet-app' version '[12]\.0\.0'/.test(l))
    expect(bad, `boots without a valid image; reproduce with FLEET_POWER_SEED=${SEED}`).toEqual([])
    expect(resumes).toBeGreaterThan(0)
    expect(linkCuts).toBeGreaterThan(10)
    console.log(`power loss: ${CUTS} power cuts, ${linkCuts} cable pulls, ${boots.length} boots, outcomes ${JSON.stringify(outcomes)}, ${resumes} resumes`)
  }, 170_000)
})
