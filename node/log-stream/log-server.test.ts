/**
 * The log protocol between two real libp2p nodes on loopback (TCP, Noise, yamux): the tail,
 * follow with a reader that stops reading while the app writes a burst (the device's buffer
 * stays bounded, drops the oldest lines and says how many: every line is either delivered in
 * order or counted as dropped), the stream ending on the device when the reader closes, and
 * the errors for an unknown app and an unreachable device.
 */
import { appendFile, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyIdOf } from '../fleet/index.js'
import { silentLogger } from '../logging/index.js'
import { systemClock } from '../ports/index.js'
import { logServer, LogsUnknownAppError, LogsUnreachableError, openDeviceLogs } from './index.js'
import type { DeviceLogsComponents, LogServer } from './index.js'
import type { Libp2p, PrivateKey } from '@libp2p/interface'

const FLEET = 'fleet-test'
const BUFFER_LINES = 50
const BURST = 20_000

const bare = async (): Promise<Libp2p> => await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() }
})

describe('/fleetd/logs/1.0.0 between two libp2p nodes', () => {
  let device: Libp2p
  let coordinator: Libp2p
  let fleetKey: PrivateKey
  let server: LogServer
  let logsDir = ''
  const client = (): DeviceLogsComponents => ({ libp2p: coordinator, clock: systemClock(), fleetId: FLEET, signingKey: fleetKey })
  const deviceId = (): string => device.peerId.toString()

  beforeAll(async () => {
    ;[device, coordinator] = await Promise.all([bare(), bare()])
    fleetKey = await generateKeyPair('Ed25519')
    logsDir = await mkdtemp(join(tmpdir(), 'fleetd-logstream-'))
    await writeFile(join(logsDir, 'web.log'), ['one', 'two', 'three', 'four'].join('\n') + '\n')
    server = logServer({ bufferLinesMax: BUFFER_LINES })({
      libp2p: device, clock: systemClock(), logger: silentLogger, fleetId: FLEET, logsDir, apps: () => ['web'],
      trustedKeys: () => [{ keyId: keyIdOf(fleetKey.publicKey.raw), publicKey: fleetKey.publicKey.raw, role: 'coordinator' }]
    })
    await server.start()
    await coordinator.dial(device.getMultiaddrs()[0] ?? (() => { throw new Error('no address') })())
  })
  afterAll(async () => {
    await server?.stop()
    await Promise.all([device?.stop(), coordinator?.stop()])
  })

  it('sends the tail and ends', async () => {
    const lines: string[] = []
    for await (const chunk of await openDeviceLogs(client(), { deviceId: deviceId(), app: 'web', tailLines: 3, follow: false })) lines.push(...chunk.lines)
    expect(lines).toEqual(['two', 'three', 'four'])
  })

  it('holds a slow reader\'s lines in a bounded buffer: each line is delivered in order or counted as dropped', async () => {
    const logs = await openDeviceLogs(client(), { deviceId: deviceId(), app: 'web', tailLines: 0, follow: true })
    const iterator = logs[Symbol.asyncIterator]()
    // The reader reads nothing while the app writes a burst of 20,000 lines (2 MB).
    const burst = Array.from({ length: BURST }, (_, i) => `line ${String(i).padStart(6, '0')} ${'x'.repeat(88)}`)
    await appendFile(join(logsDir, 'web.log'), burst.join('\n') + '\n')
    await new Promise(resolve => setTimeout(resolve, 2_000))
    let received: string[] = []
    let dropped = 0
    let markers = 0
    while (received.at(-1) !== burst.at(-1)) {
      const next = await iterator.next()
      if (next.done === true) throw new Error('the stream ended early')
      received = received.concat(next.value.lines)
      dropped += next.value.dropped
      if (next.value.dropped > 0) markers++
    }
    expect(dropped).toBeGreaterThan(0)
    expect(markers).toBeGreaterThanOrEqual(1)
    expect(received.length + dropped).toBe(BURST)
    const numbers = received.map(l => Number(l.split(' ')[1]))
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b))
    expect(new Set(numbers).size).toBe(numbers.length)
    expect(server.stats().dropped).toBe(dropped)
    expect(server.stats().active).toBe(1)
    logs.close()
    await expect.poll(() => server.stats().active, { timeout: 5_000 }).toBe(0)
  }, 30_000)

  it('names an unknown app and its apps; an unconnected device is unreachable', async () => {
    const unknown = openDeviceLogs(client(), { deviceId: deviceId(), app: 'nope', tailLines: 1, follow: false })
    await expect(unknown).rejects.toBeInstanceOf(LogsUnknownAppError)
    await expect(unknown).rejects.toThrow(/has no app 'nope' \(its apps: web\)/)
    const stranger = (await generateKeyPair('Ed25519')).publicKey.toString()
    await expect(openDeviceLogs(client(), { deviceId: stranger, app: 'web', tailLines: 1, follow: false })).rejects.toBeInstanceOf(LogsUnreachableError)
  })
})
