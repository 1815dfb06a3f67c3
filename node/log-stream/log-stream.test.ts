import { generateKeyPair } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { decodeLogRequest, encodeLogRequest } from '../../proto/index.js'
import { keyIdOf } from '../fleet/index.js'
import { LineQueue, linesSince, lineTimeMs, signLogRequest, verifyLogRequest } from './index.js'
import type { LogRequestBody } from '../../proto/index.js'

const NOW = Date.parse('2026-11-25T10:00:00Z')
const body = (fields: Partial<LogRequestBody> = {}): LogRequestBody => ({
  fleetId: 'fleet-a', deviceId: 'device-1', requester: 'coordinator-peer', app: 'web', tailLines: 10, follow: false, sinceMs: 0,
  issuedMs: NOW, expiresMs: NOW + 60_000, ...fields
})

describe('log request signatures: only the coordinator reads logs', async () => {
  const fleetKey = await generateKeyPair('Ed25519')
  const other = await generateKeyPair('Ed25519')
  const trusted = [
    { keyId: keyIdOf(fleetKey.publicKey.raw), publicKey: fleetKey.publicKey.raw, role: 'coordinator' },
    { keyId: keyIdOf(other.publicKey.raw), publicKey: other.publicKey.raw, role: 'artifact' }
  ]
  const check = async (bytes: Uint8Array, fields: Partial<Parameters<typeof verifyLogRequest>[1]> = {}): Promise<string> => {
    const r = await verifyLogRequest(bytes, { trustedKeys: trusted, fleetId: 'fleet-a', deviceId: 'device-1', remotePeer: 'coordinator-peer', nowMs: NOW, ...fields })
    return r.ok ? 'ok' : r.message
  }

  it('accepts the coordinator key\'s request for this device from the peer it names', async () => {
    expect(await check(await signLogRequest(body(), fleetKey))).toBe('ok')
  })

  it('refuses other keys, other devices, other peers, expired and altered requests, each saying why', async () => {
    expect(await check(await signLogRequest(body(), other))).toMatch(/does not trust as its coordinator/)
    expect(await check(await signLogRequest(body(), await generateKeyPair('Ed25519')))).toMatch(/does not trust as its coordinator/)
    expect(await check(await signLogRequest(body({ deviceId: 'device-2' }), fleetKey))).toMatch(/for device device-2, not this one/)
    expect(await check(await signLogRequest(body({ fleetId: 'fleet-b' }), fleetKey))).toMatch(/for fleet fleet-b/)
    expect(await check(await signLogRequest(body(), fleetKey), { remotePeer: 'thief' })).toMatch(/signed for peer coordinator-peer but sent by thief/)
    expect(await check(await signLogRequest(body(), fleetKey), { nowMs: NOW + 61_000 })).toMatch(/valid from .* to .*NTP/)
    const request = decodeLogRequest(await signLogRequest(body(), fleetKey))
    const altered = new Uint8Array(request.body)
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 1
    expect(await check(encodeLogRequest({ ...request, body: altered }))).toMatch(/does not match its bytes/)
    expect(await check(new Uint8Array([1, 2, 3]))).toMatch(/could not be decoded/)
  })
})

describe('the bounded line queue', () => {
  it('drops the oldest lines past its bound and reports how many, in order', () => {
    const q = new LineQueue(3, 1024)
    for (let i = 1; i <= 5; i++) q.push(`line ${i}`)
    expect(q.take(10, 1024)).toEqual({ lines: ['line 3', 'line 4', 'line 5'], dropped: 2 })
    expect(q.take(10, 1024)).toEqual({ lines: [], dropped: 0 })
  })

  it('bounds bytes too (keeping at least the newest line) and takes within a frame size', () => {
    const q = new LineQueue(100, 10)
    q.push('aaaaaa')
    q.push('bbbbbb')
    expect(q.size).toBe(1)
    q.push('c')
    expect(q.take(10, 1)).toEqual({ lines: ['bbbbbb'], dropped: 1 })
    expect(q.take(10, 1)).toEqual({ lines: ['c'], dropped: 0 })
  })

  it('wakes a waiting reader on a push and on abort', async () => {
    const q = new LineQueue(10, 1024)
    const waiting = q.wait(new AbortController().signal)
    q.push('x')
    await waiting
    q.take(10, 1024)
    const controller = new AbortController()
    const aborted = q.wait(controller.signal)
    controller.abort()
    await aborted
  })
})

describe('--since on undated app output', () => {
  it('reads leading ISO-8601 times (UTC without a zone)', () => {
    expect(lineTimeMs('2026-11-25T09:59:00Z hello')).toBe(NOW - 60_000)
    expect(lineTimeMs('[2026-11-25 10:59:00.500+01:00] hello')).toBe(NOW - 60_000 + 500)
    expect(lineTimeMs('2026-11-25 09:59:00 hello')).toBe(NOW - 60_000)
    expect(lineTimeMs('hello 2026-11-25T09:59:00Z')).toBeUndefined()
  })

  it('keeps lines from the first one dated at or after since; undated lines follow their dated line', () => {
    const lines = ['2026-11-25T09:50:00Z old', '  at old()', '2026-11-25T09:58:00Z new', '  at new()', 'plain']
    expect(linesSince(lines, NOW - 5 * 60_000, NOW)).toEqual(['2026-11-25T09:58:00Z new', '  at new()', 'plain'])
    expect(linesSince(lines, NOW, NOW)).toEqual([])
    // No dated line: the file's modification time decides for the whole tail.
    expect(linesSince(['a', 'b'], NOW - 1000, NOW)).toEqual(['a', 'b'])
    expect(linesSince(['a', 'b'], NOW, NOW - 1000)).toEqual([])
  })
})
