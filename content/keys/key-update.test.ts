import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { JoinTokenError, keyIdOf } from '../../node/fleet/index.js'
import { signManifest, verifyManifest } from '../manifest/index.js'
import {
  applyKeyUpdate, canonicalJson, KEY_UPDATE_SIGNING_DOMAIN, keyUpdateSigningBytes, KeyUpdateError, parseSignedKeyUpdate,
  signKeyUpdate, trustedKeysFromToken, trustStoreFromToken
} from './index.js'
import type { KeyUpdate, KeyUpdateErrorReason, SignedKeyUpdate, TrustStore } from './index.js'
import type { PrivateKey } from '@libp2p/interface'

const ISSUED_MS = 1_700_000_000_000

function tokenWith (...keys: PrivateKey[]): { trustedKeys: Array<{ keyId: string, publicKey: Uint8Array, role: string }> } {
  return { trustedKeys: keys.map(k => ({ keyId: keyIdOf(k.publicKey.raw), publicKey: k.publicKey.raw, role: 'coordinator' })) }
}

function addUpdate (key: PrivateKey, role = 'artifact'): KeyUpdate {
  return { action: 'add', keyId: keyIdOf(key.publicKey.raw), publicKey: Buffer.from(key.publicKey.raw).toString('base64'), role, issuedMs: ISSUED_MS }
}

function revokeUpdate (key: PrivateKey): KeyUpdate {
  return { action: 'revoke', keyId: keyIdOf(key.publicKey.raw), role: 'artifact', issuedMs: ISSUED_MS }
}

async function refused (promise: Promise<unknown>, reason: KeyUpdateErrorReason): Promise<KeyUpdateError> {
  const err = await promise.then(() => { throw new Error('expected the update to be refused') }, (e: unknown) => e)
  expect(err).toBeInstanceOf(KeyUpdateError)
  expect(err).toMatchObject({ reason, code: 'FLEET_ERR_KEY_UPDATE_REFUSED' })
  return err as KeyUpdateError
}

describe('trust from a join token', () => {
  it('takes raw keys as they are and normalises protobuf-encoded ones to raw', async () => {
    const [a, b] = [await generateKeyPair('Ed25519'), await generateKeyPair('Ed25519')]
    const token = tokenWith(a, b)
    const second = token.trustedKeys[1]
    if (second == null) throw new Error('two keys expected')
    second.publicKey = publicKeyToProtobuf(b.publicKey)
    expect(trustedKeysFromToken(token)).toEqual([
      { keyId: keyIdOf(a.publicKey.raw), publicKey: a.publicKey.raw, role: 'coordinator' },
      { keyId: keyIdOf(b.publicKey.raw), publicKey: b.publicKey.raw, role: 'coordinator' }
    ])
    expect(trustStoreFromToken(token).revokedKeyIds).toEqual([])
  })

  it('refuses a key that does not match its key id, or is not Ed25519', async () => {
    const a = await generateKeyPair('Ed25519')
    const token = tokenWith(a)
    expect(() => trustedKeysFromToken({ trustedKeys: [{ ...token.trustedKeys[0]!, keyId: '0000000000000000' }] })).toThrow(JoinTokenError)
    const secp = await generateKeyPair('secp256k1')
    expect(() => trustedKeysFromToken({ trustedKeys: [{ keyId: 'x', publicKey: publicKeyToProtobuf(secp.publicKey), role: '' }] })).toThrow(/is not an Ed25519 public key/)
  })
})

describe('signed key updates', () => {
  it('sign canonical sorted-key JSON behind a domain prefix', async () => {
    expect(canonicalJson({ b: 1, a: 'x', c: undefined, d: [true, null] })).toBe('{"a":"x","b":1,"d":[true,null]}')
    const update = addUpdate(await generateKeyPair('Ed25519'))
    const text = Buffer.from(keyUpdateSigningBytes(update)).toString('utf8')
    expect(text).toBe(KEY_UPDATE_SIGNING_DOMAIN + `{"action":"add","issuedMs":${ISSUED_MS},"keyId":"${update.keyId}","publicKey":"${update.publicKey ?? ''}","role":"artifact"}`)
  })

  it('apply when signed by a trusted key, and the new key then verifies manifests and signs updates', async () => {
    const [fleet, artifact, third] = [await generateKeyPair('Ed25519'), await generateKeyPair('Ed25519'), await generateKeyPair('Ed25519')]
    const start = trustStoreFromToken(tokenWith(fleet))
    const trust = await applyKeyUpdate(start, await signKeyUpdate(addUpdate(artifact), fleet))
    expect(trust.keys.map(k => [k.keyId, k.role])).toEqual([[keyIdOf(fleet.publicKey.raw), 'coordinator'], [keyIdOf(artifact.publicKey.raw), 'artifact']])
    expect(start.keys).toHaveLength(1)
    const manifest = await signManifest({
      name: 'app', version: '1.0.0', platforms: ['linux/arm64'], type: 'binary', size: 1, sha256: new Uint8Array(32),
      cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', createdMs: ISSUED_MS, signatures: []
    }, artifact)
    expect((await verifyManifest(manifest, trust.keys)).keyIds).toEqual([keyIdOf(artifact.publicKey.raw)])
    expect((await applyKeyUpdate(trust, await signKeyUpdate(addUpdate(third), artifact))).keys).toHaveLength(3)
  })

  it('are refused when signed by a key the node does not trust', async () => {
    const [fleet, stranger, other] = [await generateKeyPair('Ed25519'), await generateKeyPair('Ed25519'), await generateKeyPair('Ed25519')]
    const trust = trustStoreFromToken(tokenWith(fleet))
    const err = await refused(applyKeyUpdate(trust, await signKeyUpdate(addUpdate(other), stranger)), 'untrusted-signer')
    expect(err.message).toContain(`signed by ${keyIdOf(stranger.publicKey.raw)}, which this node does not trust`)
    // Even a self-signed "add me" is refused.
    await refused(applyKeyUpdate(trust, await signKeyUpdate(addUpdate(stranger), stranger)), 'untrusted-signer')
  })

  it('are refused when altered after signing, or when the signer id is swapped', async () => {
    const [fleet, other, artifact] = [await generateKeyPair('Ed25519'), await generateKeyPair('Ed25519'), await generateKeyPair('Ed25519')]
    const trust = trustStoreFromToken(tokenWith(fleet, other))
    const signed = await signKeyUpdate(addUpdate(artifact), fleet)
    await refused(applyKeyUpdate(trust, { ...signed, update: { ...signed.update, role: 'coordinator' } }), 'bad-signature')
    await refused(applyKeyUpdate(trust, { ...signed, update: { ...signed.update, issuedMs: ISSUED_MS + 1 } }), 'bad-signature')
    await refused(applyKeyUpdate(trust, { ...signed, signerKeyId: keyIdOf(other.publicKey.raw) }), 'bad-signature')
  })

  it('revoke keys for good: a replayed add of a revoked key is refused', async () => {
    const [fleet, artifact] = [await generateKeyPair('Ed25519'), await generateKeyPair('Ed25519')]
    const add = await signKeyUpdate(addUpdate(artifact), fleet)
    let trust: TrustStore = await applyKeyUpdate(trustStoreFromToken(tokenWith(fleet)), add)
    trust = await applyKeyUpdate(trust, await signKeyUpdate(revokeUpdate(artifact), fleet))
    expect(trust.keys.map(k => k.keyId)).toEqual([keyIdOf(fleet.publicKey.raw)])
    expect(trust.revokedKeyIds).toEqual([keyIdOf(artifact.publicKey.raw)])
    await refused(applyKeyUpdate(trust, add), 'revoked')
    // A revoked key can no longer sign updates.
    await refused(applyKeyUpdate(trust, await signKeyUpdate(addUpdate(await generateKeyPair('Ed25519')), artifact)), 'untrusted-signer')
  })

  it('are idempotent: applying the same update twice changes nothing the second time', async () => {
    const [fleet, artifact] = [await generateKeyPair('Ed25519'), await generateKeyPair('Ed25519')]
    const add = await signKeyUpdate(addUpdate(artifact), fleet)
    const once = await applyKeyUpdate(trustStoreFromToken(tokenWith(fleet)), add)
    expect(await applyKeyUpdate(once, add)).toBe(once)
    const revoke = await signKeyUpdate(revokeUpdate(artifact), fleet)
    const revoked = await applyKeyUpdate(once, revoke)
    expect(await applyKeyUpdate(revoked, revoke)).toBe(revoked)
  })

  it('never revoke the last trusted key', async () => {
    const fleet = await generateKeyPair('Ed25519')
    await refused(applyKeyUpdate(trustStoreFromToken(tokenWith(fleet)), await signKeyUpdate(revokeUpdate(fleet), fleet)), 'last-key')
  })

  it('are refused when malformed, naming the field', async () => {
    const [fleet, artifact] = [await generateKeyPair('Ed25519'), await generateKeyPair('Ed25519')]
    const signed: SignedKeyUpdate = await signKeyUpdate(addUpdate(artifact), fleet)
    const noKey: Partial<KeyUpdate> = { ...signed.update }
    delete noKey.publicKey
    expect(() => parseSignedKeyUpdate({ ...signed, update: noKey })).toThrow('signedKeyUpdate.update.publicKey: is required to add a key')
    expect(() => parseSignedKeyUpdate({ ...signed, update: { ...signed.update, keyId: keyIdOf(fleet.publicKey.raw) } })).toThrow(/update\.keyId: does not match publicKey/)
    expect(() => parseSignedKeyUpdate({ ...signed, signature: 'AAAA' })).toThrow('signedKeyUpdate.signature: expected base64 of 64 bytes')
    expect(() => parseSignedKeyUpdate({ ...signed, extra: 1 })).toThrow(KeyUpdateError)
    await expect(signKeyUpdate({ ...addUpdate(artifact), role: 'Admin!' }, fleet)).rejects.toMatchObject({ reason: 'invalid' })
  })
})
