import { describe, expect, it } from 'vitest'
import {
  ARTIFACT_MANIFEST_BYTES_MAX, encodeArtifactManifest, MANIFEST_PLATFORMS_MAX, MANIFEST_SIGNATURES_MAX
} from '../../proto/index.js'
import {
  decodeManifest, encodeManifest, ManifestError, manifestFromJson, manifestToJson, NAME_LENGTH_MAX, parseManifest,
  PLATFORM_LENGTH_MAX, PLATFORMS_MAX, SIGNATURES_MAX, VERSION_LENGTH_MAX
} from './index.js'
import type { Manifest } from './index.js'

const CID_V1 = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

function sample (): Manifest {
  return {
    name: 'sensor-agent',
    version: '1.4.2-rc.1+b7',
    platforms: ['linux/arm64', 'linux/armv7', 'esp32s3'],
    type: 'binary',
    size: 1_048_576,
    sha256: new Uint8Array(32).map((_, i) => i),
    cid: CID_V1,
    createdMs: 1_700_000_000_000,
    signatures: [{ keyId: '0123456789abcdef', signature: new Uint8Array(64).fill(7) }]
  }
}

/** The ManifestError thrown by `fn`, checked to be one. */
function manifestErrorOf (fn: () => unknown): ManifestError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError)
    expect((err as ManifestError).code).toBe('FLEET_ERR_MANIFEST_INVALID')
    return err as ManifestError
  }
  throw new Error('expected a ManifestError')
}

describe('manifest schema', () => {
  it('accepts a valid manifest and returns a copy that shares no bytes with the input', () => {
    const input = sample()
    const parsed = parseManifest(input)
    expect(parsed).toEqual(input)
    input.sha256[0] = 0xff
    input.signatures[0]?.signature.fill(0)
    expect(parsed.sha256[0]).toBe(0)
    expect(parsed.signatures[0]?.signature[0]).toBe(7)
  })

  it('accepts os/arch, OCI variants and bare MCU names as platforms', () => {
    const platforms = ['linux/amd64', 'linux/arm/v7', 'windows/amd64', 'esp32', 'stm32f411', 'rp2040', 'lora']
    expect(parseManifest({ ...sample(), platforms }).platforms).toEqual(platforms)
  })

  it.each([
    ['a platform that is neither os/arch nor an MCU', { platforms: ['linux/arm64', 'arm'] }, "manifest.platforms[1]: expected os/arch like linux/arm64 (or an MCU name like esp32, stm32f4), got 'arm'"],
    ['a duplicate platform', { platforms: ['linux/arm64', 'linux/arm64'] }, "manifest.platforms[1]: duplicate of platforms[0] 'linux/arm64'"],
    ['no platform', { platforms: [] }, 'manifest.platforms: expected at least one platform'],
    ['too many platforms', { platforms: Array.from({ length: PLATFORMS_MAX + 1 }, (_, i) => `linux/arch${i}`) }, `manifest.platforms: expected at most ${PLATFORMS_MAX} platforms`],
    ['an overlong platform', { platforms: [`linux/${'a'.repeat(PLATFORM_LENGTH_MAX)}`] }, 'manifest.platforms[0]: expected os/arch'],
    ['an upper-case name', { name: 'Sensor' }, "manifest.name: expected 1–100 lowercase letters, digits, '.', '_' or '-' starting with a letter or digit, got 'Sensor'"],
    ['a path-like name', { name: '../etc' }, "manifest.name: expected 1–100 lowercase letters, digits, '.', '_' or '-' starting with a letter or digit, got '../etc'"],
    ['an overlong name', { name: 'a'.repeat(NAME_LENGTH_MAX + 1) }, 'manifest.name: expected 1–100'],
    ['a version with a space', { version: '1.0 beta' }, "manifest.version: expected a version like 1.4.2 or 2.0.0-rc.1+b7 (1–64 letters, digits, '.', '+', '_', '~' or '-', no spaces), got '1.0 beta'"],
    ['an empty version', { version: '' }, "manifest.version: expected a version like 1.4.2"],
    ['an overlong version', { version: '1'.repeat(VERSION_LENGTH_MAX + 1) }, 'manifest.version: expected a version'],
    ['an unknown type', { type: 'exe' }, "manifest.type: expected one of binary, archive, script, deb, rpm, apk, oci, got 'exe'"],
    ['a negative size', { size: -1 }, 'manifest.size: expected a size in bytes: an integer from 0 to 2^53-1, got -1'],
    ['a fractional size', { size: 1.5 }, 'manifest.size: expected a size in bytes'],
    ['a size over 2^53-1', { size: 2 ** 53 }, 'manifest.size: expected a size in bytes'],
    ['a size given as text', { size: '10' }, "manifest.size: expected a size in bytes: an integer from 0 to 2^53-1, got '10'"],
    ['a short sha256', { sha256: new Uint8Array(31) }, 'manifest.sha256: expected 32 bytes (the SHA-256 of the artifact), got 31 bytes'],
    ['a hex sha256 in memory form', { sha256: '00'.repeat(32) }, 'manifest.sha256: expected 32 bytes'],
    ['a CIDv0', { cid: 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG' }, "manifest.cid: expected a CIDv1 string like bafy… (the root of the artifact's UnixFS DAG), got 'QmYw"],
    ['a cid that does not parse', { cid: 'bafy-not-a-cid' }, "manifest.cid: expected a CIDv1 string like bafy…"],
    ['a negative createdMs', { createdMs: -5 }, 'manifest.createdMs: expected a time in Unix milliseconds'],
    ['a malformed signature key id', { signatures: [{ keyId: 'ABCDEF', signature: new Uint8Array(64) }] }, "manifest.signatures[0].keyId: expected a key id of 16 lowercase hex characters, got 'ABCDEF'"],
    ['a short signature', { signatures: [{ keyId: '0123456789abcdef', signature: new Uint8Array(63) }] }, 'manifest.signatures[0].signature: expected 64 bytes (an Ed25519 signature), got 63 bytes'],
    ['two signatures by one key', { signatures: [{ keyId: '0123456789abcdef', signature: new Uint8Array(64) }, { keyId: '0123456789abcdef', signature: new Uint8Array(64) }] }, 'manifest.signatures[1].keyId: key 0123456789abcdef already signed at signatures[0]'],
    ['too many signatures', { signatures: Array.from({ length: SIGNATURES_MAX + 1 }, (_, i) => ({ keyId: i.toString(16).padStart(16, '0'), signature: new Uint8Array(64) })) }, `manifest.signatures: expected at most ${SIGNATURES_MAX} signatures`],
    ['an unknown field', { channel: 'beta' }, 'manifest.channel: unknown field'],
    ['a missing field', { cid: undefined }, 'manifest.cid: is required']
  ])('refuses %s, naming the field', (_, change, message) => {
    const input: Record<string, unknown> = { ...sample(), ...change }
    for (const [k, v] of Object.entries(change)) if (v === undefined) Reflect.deleteProperty(input, k)
    const err = manifestErrorOf(() => parseManifest(input))
    expect(err.message).toContain(message)
    expect(err.issues[0]?.path).toBe(message.split(':')[0])
  })

  it('lists every problem in issues and the first few in the message', () => {
    const err = manifestErrorOf(() => parseManifest({ ...sample(), name: 'A', version: ' ', type: 'x', size: -1, cid: '' }))
    expect(err.issues.map(i => i.path)).toEqual(['manifest.name', 'manifest.version', 'manifest.type', 'manifest.size', 'manifest.cid'])
    expect(err.message).toMatch(/^invalid manifest: manifest\.name: .*; manifest\.version: .*; manifest\.type: .*; and 2 more$/)
  })

  it('refuses what is not a manifest at all', () => {
    expect(manifestErrorOf(() => parseManifest(null)).message).toBe('invalid manifest: manifest: expected a manifest object, got null')
    expect(manifestErrorOf(() => parseManifest([])).message).toBe('invalid manifest: manifest: expected a manifest object, got a list of 0')
  })
})

describe('manifest JSON form', () => {
  it('round-trips with bytes as lowercase hex', () => {
    const json = manifestToJson(sample())
    expect(json.sha256).toBe('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')
    expect(json.signatures[0]?.signature).toBe('07'.repeat(64))
    expect(manifestFromJson(JSON.parse(JSON.stringify(json)))).toEqual(sample())
    expect(manifestFromJson(JSON.stringify(json))).toEqual(sample())
  })

  it('accepts upper-case hex and refuses bytes of the wrong length, naming the field', () => {
    const json = manifestToJson(sample())
    expect(manifestFromJson({ ...json, sha256: json.sha256.toUpperCase() })).toEqual(sample())
    expect(() => manifestFromJson({ ...json, sha256: 'abc' })).toThrow("manifest.sha256: expected 64 hex characters (the SHA-256 of the artifact), got 'abc'")
    expect(() => manifestFromJson({ ...json, signatures: [{ keyId: '0123456789abcdef', signature: 'zz'.repeat(64) }] })).toThrow('manifest.signatures[0].signature: expected 128 hex characters')
  })

  it('refuses text that is not JSON', () => {
    expect(manifestErrorOf(() => manifestFromJson('{name:')).message).toMatch(/^invalid manifest: manifest: is not valid JSON/)
  })
})

describe('manifest wire form', () => {
  it('round-trips through the bounded protobuf codec', () => {
    expect(decodeManifest(encodeManifest(sample()))).toEqual(sample())
  })

  it('refuses bytes that decode to an invalid manifest, or do not decode', () => {
    const bytes = encodeArtifactManifest({ ...sample(), type: 'exe' })
    expect(() => decodeManifest(bytes)).toThrow("manifest.type: expected one of binary, archive, script, deb, rpm, apk, oci, got 'exe'")
    const err = manifestErrorOf(() => decodeManifest(new Uint8Array([0x0a, 0xff])))
    expect(err.message).toMatch(/^invalid manifest: manifest: cannot be decoded/)
    expect((err.cause as { code?: string }).code).toMatch(/^FLEET_ERR_WIRE_/)
  })

  it('keeps its limits within the wire limits, so a valid manifest always encodes', () => {
    expect(PLATFORMS_MAX).toBeLessThanOrEqual(MANIFEST_PLATFORMS_MAX)
    expect(SIGNATURES_MAX).toBeLessThanOrEqual(MANIFEST_SIGNATURES_MAX)
    const largest: Manifest = {
      ...sample(),
      name: 'a'.repeat(NAME_LENGTH_MAX),
      version: '1'.repeat(VERSION_LENGTH_MAX),
      platforms: Array.from({ length: PLATFORMS_MAX }, (_, i) => `linux/${String(i).padStart(PLATFORM_LENGTH_MAX - 6, 'a')}`),
      signatures: Array.from({ length: SIGNATURES_MAX }, (_, i) => ({ keyId: i.toString(16).padStart(16, '0'), signature: new Uint8Array(64) }))
    }
    expect(encodeManifest(largest).length).toBeLessThan(ARTIFACT_MANIFEST_BYTES_MAX)
  })
})
