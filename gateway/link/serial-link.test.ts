/**
 * The serialport-backed ByteLink over a real socat pty pair: bytes both ways, baud and parity
 * changes, modem lines on a pty (it has none: setSignals must still resolve), close and errors.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { openSerialLink, pacedLink } from './index.js'
import type { ByteLink } from './index.js'
import { systemClock } from '../../node/ports/index.js'
import { ptyPair } from '../../test/support/gateway-ptys.js'
import type { PtyPair } from '../../test/support/gateway-ptys.js'

let pty: PtyPair | undefined
const links: ByteLink[] = []
afterEach(async () => {
  for (const l of links.splice(0)) await l.close()
  await pty?.stop()
  pty = undefined
})

async function received (link: ByteLink, n: number): Promise<Uint8Array> {
  const chunks: number[] = []
  return await new Promise((resolve) => {
    const off = link.onData((chunk) => {
      chunks.push(...chunk)
      if (chunks.length >= n) { off(); resolve(Uint8Array.from(chunks)) }
    })
  })
}

describe('serial link over a pty', () => {
  it('carries bytes both ways, changes baud and parity, and tolerates missing modem lines', async () => {
    pty = await ptyPair()
    const a = await openSerialLink({ path: pty.gateway, baudRate: 115200 })
    const b = await openSerialLink({ path: pty.device, baudRate: 115200 })
    links.push(a, b)
    expect(a.description).toBe(`${pty.gateway} @ 115200 8n1`)
    const payload = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff) // every byte value, 0x00 and 0x11/0x13 included
    const got = received(b, payload.length)
    await a.write(payload)
    expect(await got).toEqual(payload)
    const back = received(a, 3)
    await b.write(Uint8Array.of(0x79, 0x1f, 0x00))
    expect(await back).toEqual(Uint8Array.of(0x79, 0x1f, 0x00))
    await a.update({ baudRate: 921600 })
    await a.update({ mode: '8e1' }) // reopens the port
    expect(a.description).toBe(`${pty.gateway} @ 921600 8e1`)
    await expect(a.setSignals({ dtr: false, rts: true })).resolves.toBeUndefined()
    const again = received(b, 2)
    await a.write(Uint8Array.of(1, 2))
    expect(await again).toEqual(Uint8Array.of(1, 2))
  })

  it('reports close once, refuses writes after it, and names a bad path or setting', async () => {
    pty = await ptyPair()
    const a = await openSerialLink({ path: pty.gateway })
    const closes: Array<Error | undefined> = []
    a.onClose((e) => closes.push(e))
    await a.close()
    await a.close()
    expect(closes).toEqual([undefined])
    await expect(a.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'FLEET_ERR_SERIAL_LINK' })
    await expect(openSerialLink({ path: `${pty.dir}/missing` })).rejects.toMatchObject({ code: 'FLEET_ERR_SERIAL_LINK', message: expect.stringContaining('missing') as unknown })
    await expect(openSerialLink({ path: pty.gateway, baudRate: 1234 })).rejects.toMatchObject({ message: expect.stringContaining('unsupported baud rate 1234') as unknown })
  })

  it('paces writes at the line rate', async () => {
    pty = await ptyPair()
    const clock = systemClock()
    const a = pacedLink(await openSerialLink({ path: pty.gateway, baudRate: 9600 }), { baudRate: 9600, clock })
    const b = await openSerialLink({ path: pty.device, baudRate: 9600 })
    links.push(a, b)
    const got = received(b, 480)
    const start = clock.nowMs()
    for (let i = 0; i < 4; i++) void a.write(new Uint8Array(120).fill(i + 1))
    await got
    // 480 bytes at 9600 baud 8N1 take 500 ms on a UART; a bare pty takes a millisecond.
    expect(clock.nowMs() - start).toBeGreaterThanOrEqual(450)
  })
})
