import { describe, expect, it } from 'vitest'
import { decodeSignedPlan, encodeSignedPlan, WIRE_VERSION } from '../../proto/index.js'
import { FLEET_ID, signingKey, testPlan } from '../../test/plans/plan-fixtures.js'
import { PlanSigningError, signPlan, verifyPlan } from './index.js'
import type { VerifyPlanOptions } from './index.js'
import type { TrustedKey } from '../../content/keys/index.js'

function options (trusted: TrustedKey[], overrides: Partial<VerifyPlanOptions> = {}): VerifyPlanOptions {
  return { trustedKeys: trusted, fleetId: FLEET_ID, lastSeq: () => undefined, nowMs: Date.now(), ...overrides }
}

describe('signPlan and verifyPlan', () => {
  it('accepts a plan signed by a trusted coordinator key, from bytes or decoded', async () => {
    const { key, trusted } = await signingKey()
    const signed = await signPlan(testPlan({ seq: 7 }), key)
    const fromBytes = await verifyPlan(encodeSignedPlan(signed), options([trusted]))
    expect(fromBytes.ok && fromBytes.plan.seq).toBe(7)
    const decoded = await verifyPlan(signed, options([trusted]))
    expect(decoded.ok && decoded.plan.app?.name).toBe('edge-app')
  })

  it('refuses a plan with one byte changed, wherever it is, as a bad signature', async () => {
    const { key, trusted } = await signingKey()
    const signed = await signPlan(testPlan(), key)
    for (const index of [0, 5, Math.floor(signed.plan.length / 2), signed.plan.length - 1]) {
      const plan = new Uint8Array(signed.plan)
      plan[index] = (plan[index] ?? 0) ^ 0x01
      const result = await verifyPlan({ ...signed, plan }, options([trusted]))
      // A flipped byte may also break the encoding; the signature is checked first, so it is always 'signature'.
      expect(result).toMatchObject({ ok: false, reason: 'signature' })
    }
    const signature = new Uint8Array(signed.signature)
    signature[3] = (signature[3] ?? 0) ^ 0x80
    expect(await verifyPlan({ ...signed, signature }, options([trusted]))).toMatchObject({ ok: false, reason: 'signature' })
  })

  it('refuses a plan signed by another key claiming a trusted key id as a bad signature', async () => {
    const { trusted } = await signingKey()
    const other = await signingKey()
    const signed = await signPlan(testPlan(), other.key)
    const result = await verifyPlan({ ...signed, keyId: trusted.keyId }, options([trusted]))
    expect(result).toMatchObject({ ok: false, reason: 'signature' })
    if (!result.ok) expect(result.message).toMatch(/altered on the way or forged/)
  })

  it('refuses a plan signed by a key it does not trust, or trusts only for artifacts', async () => {
    const { trusted } = await signingKey()
    const stranger = await signingKey()
    const unknown = await verifyPlan(await signPlan(testPlan(), stranger.key), options([trusted]))
    expect(unknown).toMatchObject({ ok: false, reason: 'unknown-key' })
    if (!unknown.ok) expect(unknown.message).toMatch(/add the key with a signed key update/)
    const artifact = await signingKey('artifact')
    const wrongRole = await verifyPlan(await signPlan(testPlan(), artifact.key), options([trusted, artifact.trusted]))
    expect(wrongRole).toMatchObject({ ok: false, reason: 'unknown-key' })
    if (!wrongRole.ok) expect(wrongRole.message).toMatch(/trusts for 'artifact', not for plans/)
  })

  it('refuses a plan for another fleet', async () => {
    const { key, trusted } = await signingKey()
    const result = await verifyPlan(await signPlan(testPlan({ fleetId: 'other-fleet' }), key), options([trusted]))
    expect(result).toMatchObject({ ok: false, reason: 'fleet', deploymentId: 'dep-1', seq: 1 })
  })

  it('refuses a plan whose seq is not above the last one, and accepts the next', async () => {
    const { key, trusted } = await signingKey()
    const signed = await signPlan(testPlan({ seq: 4 }), key)
    const last = (seq: number) => options([trusted], { lastSeq: id => id === 'dep-1' ? seq : undefined })
    expect(await verifyPlan(signed, last(4))).toMatchObject({ ok: false, reason: 'stale', seq: 4 })
    expect(await verifyPlan(signed, last(9))).toMatchObject({ ok: false, reason: 'stale' })
    expect(await verifyPlan(signed, last(3))).toMatchObject({ ok: true })
  })

  it('refuses an expired plan, naming both times', async () => {
    const { key, trusted } = await signingKey()
    const nowMs = Date.now()
    const signed = await signPlan(testPlan({ issuedMs: nowMs - 10_000, expiresMs: nowMs - 1 }), key)
    const result = await verifyPlan(signed, options([trusted], { nowMs }))
    expect(result).toMatchObject({ ok: false, reason: 'expired' })
    if (!result.ok) expect(result.message).toMatch(/expired at .*Z \(now .*Z\); the coordinator must issue a fresh plan/)
  })

  it('refuses garbage and newer envelopes as malformed', async () => {
    const { key, trusted } = await signingKey()
    expect(await verifyPlan(new Uint8Array([0xff, 0xff, 0xff]), options([trusted]))).toMatchObject({ ok: false, reason: 'malformed' })
    const signed = await signPlan(testPlan(), key)
    const newer = await verifyPlan(decodeSignedPlan(encodeSignedPlan({ ...signed, version: WIRE_VERSION + 1 })), options([trusted]))
    expect(newer).toMatchObject({ ok: false, reason: 'malformed' })
    if (!newer.ok) expect(newer.message).toMatch(/upgrade fleet-node/)
  })

  it('refuses to sign what receivers would refuse', async () => {
    const { key } = await signingKey()
    await expect(signPlan(testPlan({ seq: 0 }), key)).rejects.toThrow(PlanSigningError)
    await expect(signPlan(testPlan({ expiresMs: 1 }), key)).rejects.toThrow(/must expire after it was issued/)
    await expect(signPlan(testPlan({ cohort: { phaseBasisPoints: [5000, 100], currentPhase: 0, target: 'all' } }), key)).rejects.toThrow(/must not decrease/)
    await expect(signPlan(testPlan({ cohort: { phaseBasisPoints: [100], currentPhase: 0, target: 'site=' + '!'.repeat(3) } }), key)).rejects.toThrow(/not a label requirement/)
    await expect(signPlan(testPlan({ deploymentId: '../etc' }), key)).rejects.toThrow(/deployment id/)
    const secp = await (await import('@libp2p/crypto/keys')).generateKeyPair('secp256k1')
    await expect(signPlan(testPlan(), secp)).rejects.toThrow(/Ed25519/)
  })
})

describe('the example in index.ts', () => {
  it('signs and verifies as written', async () => {
    const { generateKeyPair } = await import('@libp2p/crypto/keys')
    const { keyIdOf } = await import('../fleet/index.js')
    const key = await generateKeyPair('Ed25519')
    const trustedKeys = [{ keyId: keyIdOf(key.publicKey.raw), publicKey: key.publicKey.raw, role: 'coordinator' }]
    const nowMs = Date.now()
    const signed = await signPlan({
      fleetId: 'fleet-1', deploymentId: 'dep-1', seq: 1, issuedMs: nowMs, expiresMs: nowMs + 3_600_000, strategy: 'canary',
      app: { name: 'edge-app', runtime: 'process', args: [], env: new Map(), restartPolicy: '' },
      manifest: { name: 'edge-app', version: '1.2.0', platforms: ['linux/arm64'], type: 'binary', size: 1, sha256: new Uint8Array(32), cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', createdMs: nowMs, signatures: [] },
      cohort: { phaseBasisPoints: [500, 10_000], currentPhase: 0, target: 'group:cameras' }
    }, key)
    const result = await verifyPlan(encodeSignedPlan(signed), { trustedKeys, fleetId: 'fleet-1', lastSeq: () => undefined, nowMs })
    expect(result.ok ? result.plan.seq : result.message).toBe(1)
  })
})
