/**
 * `npm run bench:gateway`: effective OTA throughput through the bridge protocol as a share of
 * the line rate, sliding window vs a stop-and-wait baseline (window 1) side by side, at 115200
 * and 921600 baud; and the time to resume after the cable is pulled mid-transfer.
 *
 * The path is real: TypeScript gateway → serialport → socat pty pair → fb-host (the C bridge
 * built for Linux, writing a simulated flash file). A pty moves bytes at memory speed, so both
 * ends are paced to the UART's rate: the gateway's writes by pacedLink (10 bit times per byte
 * at 8N1), the device's answers by fb-host --baud. What makes stop-and-wait slow on real
 * hardware is modelled with stated figures: a USB-serial adapter's turnaround (LATENCY_MS each
 * way; a CP210x is about 1 ms, an FTDI up to 16 ms at its default latency timer) and SPI NOR
 * timing on the device (FLASH_TIMING: page program ~0.7 ms per 256 B, 4 KiB sector erase
 * ~45 ms, typical datasheet values for the flash on ESP32 modules).
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { bridgeOta } from '../../gateway/bridge/index.js'
import { buildEspImage } from '../../gateway/esp-image/index.js'
import { openSerialLink, pacedLink } from '../../gateway/link/index.js'
import type { ByteLink } from '../../gateway/link/index.js'
import { systemClock } from '../../node/ports/index.js'
import { buildFirmwareBridge, installFactoryImage, ptyPair, startFbHost } from '../support/gateway-ptys.js'

const clock = systemClock()
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 2)
const FLASH_TIMING = process.env.BENCH_FLASH_TIMING ?? '2800:45000'
const SIZES: Record<number, number> = { 115200: Number(process.env.BENCH_KIB_115200 ?? 48) * 1024, 921600: Number(process.env.BENCH_KIB_921600 ?? 256) * 1024 }

interface Run { baud: number, mode: string, window: number, bytes: number, transferMs: number, share: number, retransmitted: number }

async function withDevice<T> (baud: number, fn: (connect: () => Promise<ByteLink>, links: ByteLink[]) => Promise<T>): Promise<T> {
  const pty = await ptyPair()
  const flash = join(pty.dir, 'flash.bin')
  await writeFile(join(pty.dir, 'v1.bin'), buildEspImage({ version: '1.0.0', seed: 1, payloadBytes: 8 * 1024 }))
  installFactoryImage(flash, join(pty.dir, 'v1.bin'), 512)
  const device = startFbHost({ port: pty.device, flash, baud, slotKib: 512, flashTiming: FLASH_TIMING })
  const links: ByteLink[] = []
  const connect = async (): Promise<ByteLink> => {
    const link = pacedLink(await openSerialLink({ path: pty.gateway, baudRate: baud }), { baudRate: baud, clock, latencyMs: LATENCY_MS })
    links.push(link)
    return link
  }
  try {
    return await fn(connect, links)
  } finally {
    for (const l of links) await l.close().catch(() => {})
    await device.stop()
    await pty.stop()
  }
}

async function throughput (baud: number, window: number): Promise<Run> {
  const bytes = SIZES[baud]!
  const image = buildEspImage({ version: `2.0.${window}`, seed: 7, payloadBytes: bytes })
  return await withDevice(baud, async (connect) => {
    const ota = bridgeOta({ windowFrames: window, baudRate: baud })({ clock, connect })
    const r = await ota.update({ image, version: `2.0.${window}` })
    await ota.close()
    if (r.outcome !== 'updated') throw new Error(`bench OTA ended ${r.outcome}: ${r.errorMessage ?? ''}`)
    const lineBytesPerS = baud / 10
    return { baud, mode: window === 1 ? 'stop-and-wait' : `window ${window}`, window, bytes: image.length, transferMs: r.transferMs, share: (image.length / (r.transferMs / 1000)) / lineBytesPerS, retransmitted: r.retransmittedBytes }
  })
}

async function resumeAfterCut (baud: number): Promise<{ resumeMs: number, total: number, sent: number, resumes: number }> {
  const image = buildEspImage({ version: '3.0.0', seed: 9, payloadBytes: SIZES[baud]! })
  return await withDevice(baud, async (connect, links) => {
    let cutAt = 0
    let reconnectedAt = 0
    let resumedAt = 0
    let ackedAtCut = 0
    const reconnect = async (): Promise<ByteLink> => {
      const link = await connect()
      if (cutAt !== 0 && reconnectedAt === 0) reconnectedAt = clock.nowMs()
      return link
    }
    const ota = bridgeOta({ baudRate: baud })({ clock, connect: reconnect })
    const r = await ota.update({ image, version: '3.0.0' }, {
      onProgress: (p) => {
        if (p.phase !== 'transfer') return
        if (cutAt === 0 && p.offset >= image.length / 2) { cutAt = clock.nowMs(); ackedAtCut = p.offset; void links.at(-1)?.close() } else if (reconnectedAt !== 0 && resumedAt === 0 && p.offset > ackedAtCut) resumedAt = clock.nowMs()
      }
    })
    await ota.close()
    if (r.outcome !== 'updated') throw new Error(`resume bench ended ${r.outcome}: ${r.errorMessage ?? ''}`)
    return { resumeMs: resumedAt - cutAt, total: image.length, sent: r.bytesSent, resumes: r.resumes }
  })
}

buildFirmwareBridge()
const rows: Run[] = []
for (const baud of [115200, 921600]) {
  for (const window of [8, 1]) rows.push(await throughput(baud, window))
}
console.log(`\nOTA throughput through the bridge (real ptys paced to the line rate, 8N1; adapter latency ${LATENCY_MS} ms each way; flash timing ${FLASH_TIMING} µs per KiB : µs per sector erase)\n`)
console.log('baud     mode            image      transfer   effective    share of line   vs stop-and-wait')
for (const r of rows) {
  const base = rows.find((x) => x.baud === r.baud && x.window === 1)!
  console.log(`${String(r.baud).padEnd(8)} ${r.mode.padEnd(15)} ${(r.bytes / 1024).toFixed(0).padStart(5)} KiB ${(r.transferMs / 1000).toFixed(2).padStart(7)} s ${(r.bytes / 1024 / (r.transferMs / 1000)).toFixed(1).padStart(7)} KiB/s ${(r.share * 100).toFixed(1).padStart(8)} %      ${(base.transferMs / r.transferMs).toFixed(2)}×`)
}
console.log('\nResume after a pulled cable at 50% (close → 100 ms back-off → reopen → HELLO → OTA_BEGIN → first new ack)\n')
for (const baud of [115200, 921600]) {
  const r = await resumeAfterCut(baud)
  console.log(`${String(baud).padEnd(8)} resumed in ${r.resumeMs} ms; sent ${(r.sent / 1024).toFixed(1)} KiB for a ${(r.total / 1024).toFixed(1)} KiB image (${(((r.sent - r.total) / r.total) * 100).toFixed(1)}% resent, ${r.resumes} resume${r.resumes === 1 ? '' : 's'})`)
}
