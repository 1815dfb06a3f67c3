/**
 * End to end: the TypeScript gateway ↔ a real pty pair (socat) ↔ fb-host, the C firmware bridge
 * built for Linux over a simulated flash. Full OTAs with reboot and confirm, a cut cable, a noisy
 * line, an unhealthy and a crashing image, a wrong chip.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { bridgeOta, BridgeClient, decodeInfo, encodeHello, MsgType, otaReport, SlotState } from './index.js'
import { buildEspImage } from '../esp-image/index.js'
import { openSerialLink } from '../link/index.js'
import type { ByteLink } from '../link/index.js'
import { openReportOutbox } from '../../node/plans/index.js'
import { systemClock } from '../../node/ports/index.js'
import { Health } from '../../proto/generated/report.js'
import { buildFirmwareBridge, installFactoryImage, ptyPair, startFbHost } from '../../test/support/gateway-ptys.js'
import type { FbHost, PtyPair } from '../../test/support/gateway-ptys.js'

const clock = systemClock()
const v1 = buildEspImage({ version: '1.0.0', seed: 1, payloadBytes: 40_000 })
const v2 = buildEspImage({ version: '2.0.0', seed: 2, payloadBytes: 40_000 })

let pty: PtyPair | undefined
let device: FbHost | undefined
const links: ByteLink[] = []

beforeAll(() => { buildFirmwareBridge() })
afterEach(async () => {
  for (const l of links.splice(0)) await l.close()
  await device?.stop()
  await pty?.stop()
  device = undefined
  pty = undefined
})

async function setup (): Promise<{ pty: PtyPair, flash: string }> {
  pty = await ptyPair()
  const flash = join(pty.dir, 'flash.bin')
  const factory = join(pty.dir, 'v1.bin')
  await writeFile(factory, v1)
  installFactoryImage(flash, factory)
  device = startFbHost({ port: pty.device, flash })
  return { pty, flash }
}

const connect = (path: string) => async (): Promise<ByteLink> => {
  const link = await openSerialLink({ path, baudRate: 115200, mode: '8n1' })
  links.push(link)
  return link
}

async function hello (path: string): Promise<ReturnType<typeof decodeInfo>> {
  const link = await connect(path)()
  const client = new BridgeClient(link, clock)
  try {
    return decodeInfo(await client.request(MsgType.HELLO, encodeHello(1), { timeoutMs: 3000 }))
  } finally {
    client.close()
    await link.close()
  }
}

describe('bridge OTA over a pty to the host-built C bridge', () => {
  it('updates, reboots, confirms and reads back the new image', async () => {
    const { pty } = await setup()
    const ota = bridgeOta()({ clock, connect: connect(pty.gateway) })
    const phases = new Set<string>()
    const result = await ota.update({ image: v2, version: '2.0.0' }, { onProgress: (p) => phases.add(p.phase) })
    await ota.close()
    expect(result).toMatchObject({ outcome: 'updated', runningVersion: '2.0.0', previousVersion: '1.0.0', slot: 1, retransmittedBytes: 0 })
    expect(result.bytesSent).toBe(v2.length)
    expect([...phases]).toEqual(['connect', 'transfer', 'verify', 'reboot', 'confirm'])
    const info = await hello(pty.gateway)
    expect(info.runningSlot).toBe(1)
    expect(info.slotStates).toEqual([SlotState.VALID, SlotState.VALID])
    expect(info.slotVersions).toEqual(['1.0.0', '2.0.0'])
    // The result goes into a real report outbox as the MCU's report, like any device's.
    const outbox = await openReportOutbox(join(pty.dir, 'gateway-state'), { clock, deviceId: 'gateway-peer' })
    const stored = await outbox.append(otaReport(result, { deploymentId: 'dep-1', planSeq: 3, deviceId: 'mcu-esp32-1' }))
    await outbox.close()
    expect(stored).toMatchObject({ deviceId: 'mcu-esp32-1', deploymentId: 'dep-1', planSeq: 3, step: 'switch', health: Health.HEALTHY, appVersion: '2.0.0', errorCode: '' })
    expect(stored.metrics.get('ota.bytes_sent')).toBe(v2.length)
    // The same image again is a no-op.
    const again = await bridgeOta()({ clock, connect: connect(pty.gateway) }).update({ image: v2, version: '2.0.0' })
    expect(again.outcome).toBe('already-current')
  })

  it('resumes from the last acked offset after the cable is pulled mid-transfer', async () => {
    const { pty } = await setup()
    let cut = false
    const ota = bridgeOta({ windowFrames: 4 })({ clock, connect: connect(pty.gateway) })
    const result = await ota.update({ image: v2, version: '2.0.0' }, {
      onProgress: (p) => {
        if (!cut && p.phase === 'transfer' && p.offset >= v2.length / 2) {
          cut = true
          void links.at(-1)?.close()
        }
      }
    })
    await ota.close()
    expect(result.outcome).toBe('updated')
    expect(result.resumes).toBe(1)
    // Only what was in flight at the cut is sent twice, not the first half.
    expect(result.bytesSent).toBeLessThan(v2.length + 5 * 1024)
  })

  it('survives a noisy line: corrupted frames are refused by CRC and resent', async () => {
    const { pty } = await setup()
    let writes = 0
    const noisy = async (): Promise<ByteLink> => {
      const link = await connect(pty.gateway)()
      return {
        ...link,
        description: link.description,
        onData: link.onData.bind(link),
        onClose: link.onClose.bind(link),
        setSignals: link.setSignals.bind(link),
        update: link.update.bind(link),
        close: link.close.bind(link),
        write: async (bytes, options) => {
          const copy = bytes.slice()
          if (++writes % 7 === 0 && copy.length > 40) copy[20] = copy[20]! ^ 0x10 // one flipped bit in every 7th frame
          await link.write(copy, options)
        }
      }
    }
    const ota = bridgeOta({ requestTimeoutMs: 500 })({ clock, connect: noisy })
    const result = await ota.update({ image: v2, version: '2.0.0' })
    await ota.close()
    expect(result.outcome).toBe('updated')
    expect(result.retransmittedBytes).toBeGreaterThan(0)
  })

  it('rolls back an image that reports unhealthy, and one that crash-loops', async () => {
    const { pty } = await setup()
    const unhealthy = buildEspImage({ version: '2.0.0-bad', projectName: 'fb-unhealthy', seed: 3, payloadBytes: 20_000 })
    const ota = bridgeOta({ healthTimeoutMs: 5000 })({ clock, connect: connect(pty.gateway) })
    const r1 = await ota.update({ image: unhealthy, version: '2.0.0-bad' })
    expect(r1).toMatchObject({ outcome: 'rolled-back', runningVersion: '1.0.0', errorCode: 'FLEET_ERR_BRIDGE_OTA' })
    expect(otaReport(r1, { deploymentId: 'd', planSeq: 1 })).toMatchObject({ step: 'apply', health: Health.UNHEALTHY, appVersion: '1.0.0', errorCode: 'FLEET_ERR_BRIDGE_OTA' })
    const crashing = buildEspImage({ version: '2.0.0-crash', projectName: 'fb-crash', seed: 4, payloadBytes: 20_000 })
    const r2 = await ota.update({ image: crashing, version: '2.0.0-crash' })
    await ota.close()
    expect(r2).toMatchObject({ outcome: 'rolled-back', runningVersion: '1.0.0' })
    expect(r2.errorMessage).toMatch(/did not come up/)
    const info = await hello(pty.gateway)
    expect(info.runningSlot).toBe(0)
    expect(info.slotStates[0]).toBe(SlotState.VALID)
  })

  it('the device refuses another chip\'s image before writing, and the running slot is untouched', async () => {
    const { pty } = await setup()
    const s3 = buildEspImage({ chip: 'esp32-s3', version: '2.0.0', seed: 5, payloadBytes: 20_000 })
    const ota = bridgeOta()({ clock, connect: connect(pty.gateway) })
    const result = await ota.update({ image: s3, version: '2.0.0' })
    await ota.close()
    expect(result.outcome).toBe('failed')
    expect(result.errorCode).toBe('FLEET_ERR_BRIDGE_DEVICE')
    expect(result.errorMessage).toMatch(/WRONG_CHIP \(detail 9\)/)
    const info = await hello(pty.gateway)
    expect(info).toMatchObject({ runningSlot: 0, slotVersions: ['1.0.0', ''] })
  })
})
