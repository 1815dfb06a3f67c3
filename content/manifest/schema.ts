/**
 * The manifest schema (STYLE rule 11): one shape, two forms. In memory, digests and
 * signatures are bytes; in JSON (CLI output, files) they are hex. Types are inferred from the
 * schemas, so validator and type cannot drift.
 */
import { CID } from 'multiformats/cid'
import { z } from 'zod'
import {
  CID_LENGTH_MAX, KEY_ID_PATTERN, MCU_FAMILIES, NAME_LENGTH_MAX, PLATFORM_LENGTH_MAX, PLATFORMS_MAX, SHA256_BYTES,
  SIGNATURE_BYTES, SIGNATURES_MAX, VERSION_LENGTH_MAX
} from './constants.js'
import { describeValue } from './describe.js'

export const ARTIFACT_TYPES = ['binary', 'archive', 'script', 'deb', 'rpm', 'apk', 'oci'] as const

// Names and versions start with a letter or digit: they end up in file names and URLs, and
// this keeps `.`, `..` and option-like `-x` out.
const NAME_PATTERN = new RegExp(`^[a-z0-9][a-z0-9._-]{0,${NAME_LENGTH_MAX - 1}}$`)
const VERSION_PATTERN = new RegExp(`^[0-9A-Za-z][0-9A-Za-z.+_~-]{0,${VERSION_LENGTH_MAX - 1}}$`)
// `linux/arm64`, `linux/arm/v7` (OCI variant), `windows/amd64`.
const OS_ARCH_PATTERN = /^[a-z][a-z0-9]*\/[a-z0-9_]+(\/[a-z0-9]+)?$/
const MCU_PATTERN = new RegExp(`^(${MCU_FAMILIES.join('|')})[a-z0-9]{0,12}$`)
const HEX_PATTERN = /^[0-9a-fA-F]*$/

/** Message of a wrong-typed or missing value. */
const expected = (what: string) => (iss: { input?: unknown }): string => iss.input === undefined ? 'is required' : `expected ${what}, got ${describeValue(iss.input)}`

const string = (): z.ZodString => z.string({ error: expected('a string') })

const uint53 = (what: string): z.ZodNumber => z.number({ error: expected(what) })
  .refine(n => Number.isSafeInteger(n) && n >= 0, { error: iss => `expected ${what}, got ${describeValue(iss.input)}` })

const nameSchema = string().refine(s => NAME_PATTERN.test(s), {
  error: iss => `expected 1–${NAME_LENGTH_MAX} lowercase letters, digits, '.', '_' or '-' starting with a letter or digit, got ${describeValue(iss.input)}`
})

const versionSchema = string().refine(s => VERSION_PATTERN.test(s), {
  error: iss => `expected a version like 1.4.2 or 2.0.0-rc.1+b7 (1–${VERSION_LENGTH_MAX} letters, digits, '.', '+', '_', '~' or '-', no spaces), got ${describeValue(iss.input)}`
})

const platformSchema = string().refine(s => s.length <= PLATFORM_LENGTH_MAX && (OS_ARCH_PATTERN.test(s) || MCU_PATTERN.test(s)), {
  error: iss => `expected os/arch like linux/arm64 (or an MCU name like esp32, stm32f4), got ${describeValue(iss.input)}`
})

const platformsSchema = z.array(platformSchema, { error: expected('a list of platforms') })
  .min(1, { error: 'expected at least one platform, like linux/arm64' })
  .max(PLATFORMS_MAX, { error: `expected at most ${PLATFORMS_MAX} platforms` })
  .superRefine((platforms, ctx) => {
    platforms.forEach((p, i) => {
      const first = platforms.indexOf(p)
      if (first !== i) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate of platforms[${first}] '${p}'` })
    })
  })

const typeSchema = z.enum(ARTIFACT_TYPES, { error: expected(`one of ${ARTIFACT_TYPES.join(', ')}`) })

const cidSchema = string().refine(isCidV1, {
  error: iss => `expected a CIDv1 string like bafy… (the root of the artifact's UnixFS DAG), got ${describeValue(iss.input)}`
})

function isCidV1 (text: string): boolean {
  if (text.length > CID_LENGTH_MAX) return false
  try {
    return CID.parse(text).version === 1
  } catch {
    return false
  }
}

/** A bytes field in memory: any Uint8Array (Buffers and decoder views included), copied. */
export function rawBytes (length: number, what: string): z.ZodType<Uint8Array<ArrayBuffer>, Uint8Array> {
  return z.instanceof(Uint8Array, { error: expected(`${length} bytes (${what})`) })
    .refine(b => b.length === length, { error: iss => `expected ${length} bytes (${what}), got ${describeValue(iss.input)}` })
    // A copy: decoded protobuf bytes are views into a buffer the caller may reuse.
    .transform(b => new Uint8Array(b))
}

/** A bytes field in JSON: hex, either case. */
export function hexBytes (length: number, what: string): z.ZodType<Uint8Array<ArrayBuffer>, string> {
  return string()
    .refine(s => s.length === length * 2 && HEX_PATTERN.test(s), { error: iss => `expected ${length * 2} hex characters (${what}), got ${describeValue(iss.input)}` })
    .transform(s => new Uint8Array(Buffer.from(s, 'hex')))
}

function manifestShape<I> (bytes: (length: number, what: string) => z.ZodType<Uint8Array<ArrayBuffer>, I>) {
  const signatureSchema = z.strictObject({
    keyId: string().refine(s => KEY_ID_PATTERN.test(s), { error: iss => `expected a key id of 16 lowercase hex characters, got ${describeValue(iss.input)}` }),
    signature: bytes(SIGNATURE_BYTES, 'an Ed25519 signature')
  }, { error: expected('a signature object {keyId, signature}') })

  const signaturesSchema = z.array(signatureSchema, { error: expected('a list of signatures') })
    .max(SIGNATURES_MAX, { error: `expected at most ${SIGNATURES_MAX} signatures` })
    .superRefine((signatures, ctx) => {
      signatures.forEach((s, i) => {
        const first = signatures.findIndex(o => o.keyId === s.keyId)
        if (first !== i) ctx.addIssue({ code: 'custom', path: [i, 'keyId'], message: `key ${s.keyId} already signed at signatures[${first}]; one signature per key` })
      })
    })

  // strict: a field outside the schema would not be covered by the signature, so it is refused, not carried along.
  return z.strictObject({
    name: nameSchema,
    version: versionSchema,
    platforms: platformsSchema,
    type: typeSchema,
    size: uint53('a size in bytes: an integer from 0 to 2^53-1'),
    sha256: bytes(SHA256_BYTES, 'the SHA-256 of the artifact'),
    cid: cidSchema,
    createdMs: uint53('a time in Unix milliseconds: an integer from 0 to 2^53-1'),
    signatures: signaturesSchema
  }, { error: expected('a manifest object') })
}

/** The in-memory form: what `parseManifest` accepts and every function here returns. */
export const manifestSchema = manifestShape(rawBytes)

/** The JSON form: bytes as hex. */
export const manifestJsonSchema = manifestShape(hexBytes)

/** A valid artifact manifest (DESIGN "Data model"). */
export type Manifest = z.output<typeof manifestSchema>
export type ManifestSignature = Manifest['signatures'][number]
export type ArtifactType = Manifest['type']
/** The JSON form of a manifest, as `manifestToJson` writes it. */
export type ManifestJson = z.input<typeof manifestJsonSchema>
