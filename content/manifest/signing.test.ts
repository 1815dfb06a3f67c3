import { generateKeyPair } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { keyIdOf } from '../../node/fleet/index.js'
import {
  canonicalManifestBytes, decodeManifest, encodeManifest, MANIFEST_SIGNING_DOMAIN, manifestSigningBytes,
  ManifestSignatureError, ManifestSigningError, signManifest, SIGNATURES_MAX, verifyManifest
} from './index.js'
import type { Manifest, ManifestSignatureReason } from './index.js'
import type { TrustedKey } from '../keys/index.js'
import type { PrivateKey } from '@libp2p/interface'

function sample (): Manifest {
  return {
    name: 'sensor-agent',
    version: '1.4.2',
    platforms: ['linux/arm64', 'esp32'],
    type: 'binary',
    size: 1024,
    sha256: new Uint8Array(32).fill(0xab),
    cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
    createdMs: 1_700_000_000_000,
    signatures: []
  }
}

/** Pins the encoding: if protons or the schema ever changes these bytes, every signature in the field breaks. */
const SAMPLE_CANONICAL_HEX = '0a0c73656e736f722d6167656e741205312e342e321a0b6c696e75782f61726d36341a056573703332220662696e6172792880083220' +
  'ab'.repeat(32) + '3a3b6261666b726569676832616b69736361696c646371616273796733646672366368753366677072656769796d73636b376537617161347335327a794080d095ffbc31'

function trust (...keys: PrivateKey[]): TrustedKey[] {
  return keys.map(k => ({ keyId: keyIdOf(k.publicKey.raw), publicKey: k.publicKey.raw, role: 'artifact' }))
}

async function rejection (promise: Promise<unknown>): Promise<ManifestSignatureError> {
  const err = await promise.then(() => { throw new Error('expected verification to fail') }, (e: unknown) => e)
  expect(err).toBeInstanceOf(ManifestSignatureError)
  expect((err as ManifestSignatureError).code).toBe('FLEET_ERR_MANIFEST_SIGNATURE')
  return err as ManifestSignatureError
}

async function expectReason (promise: Promise<unknown>, reason: ManifestSignatureReason): Promise<ManifestSignatureError> {
  const err = await rejection(promise)
  expect(err.reason).toBe(reason)
  return err
}

describe('canonical manifest bytes', () => {
  it('are the protobuf encoding without signatures, pinned by a test vector', () => {
    expect(Buffer.from(canonicalManifestBytes(sample())).toString('hex')).toBe(SAMPLE_CANONICAL_HEX)
  })

  it('are equal for equal manifests, however they were built or carried', async () => {
    const a = sample()
    const b = decodeManifest(encodeManifest({ ...sample(), sha256: Buffer.alloc(32, 0xab) }))
    expect(canonicalManifestBytes(a)).toEqual(canonicalManifestBytes(b))
    // Key order of the object is irrelevant.
    const reordered = Object.fromEntries(Object.entries(sample()).reverse()) as Manifest
    expect(canonicalManifestBytes(reordered)).toEqual(canonicalManifestBytes(a))
    const signed = await signManifest(await signManifest(a, await generateKeyPair('Ed25519')), await generateKeyPair('Ed25519'))
    expect(canonicalManifestBytes(signed)).toEqual(canonicalManifestBytes(a))
  })

  it('keep platforms in the given order', () => {
    expect(canonicalManifestBytes({ ...sample(), platforms: ['esp32', 'linux/arm64'] })).not.toEqual(canonicalManifestBytes(sample()))
  })

  it('are signed behind a domain prefix, so a signature cannot be replayed as another kind of object', async () => {
    const bytes = manifestSigningBytes(sample())
    expect(Buffer.from(bytes.subarray(0, MANIFEST_SIGNING_DOMAIN.length)).toString()).toBe('fleetd/artifact-manifest/v1\n')
    expect(bytes.subarray(MANIFEST_SIGNING_DOMAIN.length)).toEqual(canonicalManifestBytes(sample()))
    // A signature over the bare canonical bytes (what some other protocol might sign) does not verify.
    const key = await generateKeyPair('Ed25519')
    const bare = await key.sign(canonicalManifestBytes(sample()))
    const forged = { ...sample(), signatures: [{ keyId: keyIdOf(key.publicKey.raw), signature: new Uint8Array(bare) }] }
    await expectReason(verifyManifest(forged, trust(key)), 'bad-signature')
  })
})

describe('signing and verifying manifests', () => {
  it('round-trips: sign, send over the wire, verify', async () => {
    const key = await generateKeyPair('Ed25519')
    const signed = await signManifest(sample(), key)
    expect(signed.signatures.map(s => [s.keyId, s.signature.length])).toEqual([[keyIdOf(key.publicKey.raw), 64]])
    const received = decodeManifest(encodeManifest(signed))
    expect(await verifyManifest(received, trust(key))).toEqual({ ok: true, keyIds: [keyIdOf(key.publicKey.raw)], unknownKeyIds: [] })
  })

  it('returns a new manifest and leaves the input alone', async () => {
    const input = sample()
    await signManifest(input, await generateKeyPair('Ed25519'))
    expect(input.signatures).toEqual([])
  })

  it('refuses a second signature by the same key, too many signatures, and non-Ed25519 keys', async () => {
    const key = await generateKeyPair('Ed25519')
    const signed = await signManifest(sample(), key)
    await expect(signManifest(signed, key)).rejects.toMatchObject({ name: 'ManifestSigningError', reason: 'already-signed', code: 'FLEET_ERR_MANIFEST_SIGNING' })
    let full = sample()
    for (let i = 0; i < SIGNATURES_MAX; i++) full = await signManifest(full, await generateKeyPair('Ed25519'))
    await expect(signManifest(full, key)).rejects.toMatchObject({ reason: 'signatures-full' })
    await expect(signManifest(sample(), await generateKeyPair('secp256k1'))).rejects.toBeInstanceOf(ManifestSigningError)
  })

  it('fails with bad-signature when any signed field changes', async () => {
    const key = await generateKeyPair('Ed25519')
    const signed = await signManifest(sample(), key)
    const sha256 = new Uint8Array(signed.sha256)
    sha256[31] = (sha256[31] ?? 0) ^ 1
    const changes: Array<[string, Partial<Manifest>]> = [
      ['name', { name: 'sensor-agent2' }],
      ['version', { version: '1.4.3' }],
      ['platforms (one changed)', { platforms: ['linux/amd64', 'esp32'] }],
      ['platforms (reordered)', { platforms: ['esp32', 'linux/arm64'] }],
      ['platforms (one added)', { platforms: ['linux/arm64', 'esp32', 'linux/armv7'] }],
      ['platforms (one removed)', { platforms: ['linux/arm64'] }],
      ['type', { type: 'archive' }],
      ['size', { size: 1025 }],
      ['size (to zero)', { size: 0 }],
      ['sha256', { sha256 }],
      ['cid', { cid: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi' }],
      ['createdMs', { createdMs: signed.createdMs + 1 }]
    ]
    for (const [field, change] of changes) {
      const err = await expectReason(verifyManifest({ ...signed, ...change }, trust(key)), 'bad-signature')
      expect(err.keyIds, field).toEqual([keyIdOf(key.publicKey.raw)])
      expect(err.message, field).toContain(`signature by trusted key ${keyIdOf(key.publicKey.raw)} does not match manifest`)
    }
  })

  it('fails with bad-signature when any byte of the signature is flipped', async () => {
    const key = await generateKeyPair('Ed25519')
    const signed = await signManifest(sample(), key)
    const original = signed.signatures[0]
    if (original == null) throw new Error('unsigned')
    for (let i = 0; i < 64; i++) {
      const signature = new Uint8Array(original.signature)
      signature[i] = (signature[i] ?? 0) ^ 0xff
      await expectReason(verifyManifest({ ...signed, signatures: [{ keyId: original.keyId, signature }] }, trust(key)), 'bad-signature')
    }
  })

  it('fails with unsigned for a manifest without signatures', async () => {
    const err = await expectReason(verifyManifest(sample(), trust(await generateKeyPair('Ed25519'))), 'unsigned')
    expect(err.message).toBe('manifest sensor-agent@1.4.2 is unsigned; sign it with a key the fleet trusts before deploying it')
  })

  it('fails with unknown-key when no signer is trusted, naming the key and what to do', async () => {
    const stranger = await generateKeyPair('Ed25519')
    const signed = await signManifest(sample(), stranger)
    const err = await expectReason(verifyManifest(signed, trust(await generateKeyPair('Ed25519'))), 'unknown-key')
    expect(err.keyIds).toEqual([keyIdOf(stranger.publicKey.raw)])
    expect(err.message).toContain(`signed by ${keyIdOf(stranger.publicKey.raw)}, which this node does not trust`)
    expect(err.message).toMatch(/fleets keys export.*or sign with a trusted key/)
    await expectReason(verifyManifest(signed, []), 'unknown-key')
  })

  it('ignores signatures by unknown keys, even broken ones, when enough trusted keys signed', async () => {
    const key = await generateKeyPair('Ed25519')
    const junk = { keyId: 'ffffffffffffffff', signature: new Uint8Array(64).fill(1) }
    const signed = await signManifest({ ...sample(), signatures: [junk] }, key)
    expect(await verifyManifest(signed, trust(key))).toEqual({ ok: true, keyIds: [keyIdOf(key.publicKey.raw)], unknownKeyIds: ['ffffffffffffffff'] })
  })

  it('fails with too-few-signatures below signaturesMin, and passes at it', async () => {
    const [a, b, c] = [await generateKeyPair('Ed25519'), await generateKeyPair('Ed25519'), await generateKeyPair('Ed25519')]
    const byA = await signManifest(sample(), a)
    const err = await expectReason(verifyManifest(byA, trust(a, b), { signaturesMin: 2 }), 'too-few-signatures')
    expect(err.message).toContain('signed by 1 trusted key(s)')
    expect(err.message).toContain('2 required')
    // A signature by an untrusted key does not count towards the minimum.
    await expectReason(verifyManifest(await signManifest(byA, c), trust(a, b), { signaturesMin: 2 }), 'too-few-signatures')
    const byAB = await signManifest(byA, b)
    expect((await verifyManifest(byAB, trust(a, b), { signaturesMin: 2 })).keyIds).toHaveLength(2)
  })

  it('treats a bad signature by a trusted key as fatal even when others verify', async () => {
    const [a, b] = [await generateKeyPair('Ed25519'), await generateKeyPair('Ed25519')]
    const signed = await signManifest(await signManifest(sample(), a), b)
    const signatures = signed.signatures.map((s, i) => i === 1 ? { ...s, signature: new Uint8Array(64) } : s)
    const err = await expectReason(verifyManifest({ ...signed, signatures }, trust(a, b)), 'bad-signature')
    expect(err.keyIds).toEqual([keyIdOf(b.publicKey.raw)])
  })

  it('refuses an invalid manifest before looking at signatures', async () => {
    await expect(verifyManifest({ ...sample(), name: 'Bad' }, [])).rejects.toMatchObject({ code: 'FLEET_ERR_MANIFEST_INVALID' })
  })
})
