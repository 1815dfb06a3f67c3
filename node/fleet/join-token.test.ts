import { describe, expect, it } from 'vitest'
import { createFleetSecrets, keyIdOf } from './fleet-secrets.js'
import { JoinTokenError } from './errors.js'
import { formatJoinToken, parseJoinToken, TOKEN_PREFIX } from './join-token.js'
import type { JoinTokenData } from './join-token.js'

async function sample (): Promise<JoinTokenData> {
  const secrets = await createFleetSecrets(1_700_000_000_000, 'fleet-test')
  const publicKey = secrets.fleetKey.publicKey.raw
  return {
    fleetId: secrets.fleetId,
    networkKey: secrets.networkKey,
    trustedKeys: [{ keyId: keyIdOf(publicKey), publicKey, role: 'coordinator' }],
    createdMs: secrets.createdMs,
    bootstrap: ['/ip4/198.18.0.1/tcp/4710']
  }
}

describe('join tokens', () => {
  it('round-trip every field through the printed form', async () => {
    const data = await sample()
    const token = formatJoinToken(data)
    expect(token.startsWith(TOKEN_PREFIX)).toBe(true)
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(parseJoinToken(`  ${token}\n`)).toEqual(data)
  })

  it('refuse a token without the prefix, naming where a good one comes from', () => {
    expect(() => parseJoinToken('abc')).toThrow(/must start with 'fleetd1_'.*fleets token create/)
  })

  it('refuse a truncated or mistyped token by its checksum', async () => {
    const token = formatJoinToken(await sample())
    expect(() => parseJoinToken(token.slice(0, -3))).toThrow(JoinTokenError)
    const flipped = token.slice(0, 20) + (token[20] === 'A' ? 'B' : 'A') + token.slice(21)
    expect(() => parseJoinToken(flipped)).toThrow(/checksum does not match/)
  })

  it('refuse characters that are not base64url (a wrapped copy)', async () => {
    const token = formatJoinToken(await sample())
    expect(() => parseJoinToken(token.slice(0, 30) + ' ' + token.slice(30))).toThrow(/base64url/)
  })

  it('refuse a network key of the wrong size', async () => {
    const data = await sample()
    expect(() => parseJoinToken(formatJoinToken({ ...data, networkKey: data.networkKey.subarray(0, 10) }))).toThrow(/network key has 10 bytes/)
  })
})
