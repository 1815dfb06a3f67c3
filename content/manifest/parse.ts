/** Validation at the edge (STYLE rule 11): every manifest that enters the program goes through here. */
import { manifestError, toIssues } from './issues.js'
import { manifestJsonSchema, manifestSchema } from './schema.js'
import type { Manifest, ManifestJson } from './schema.js'

const ROOT = 'manifest'
const refSchema = manifestJsonSchema.pick({ name: true, version: true })

/**
 * Validates a manifest in memory form (bytes as Uint8Array) and returns a copy that shares no
 * buffers with the input. Throws `ManifestError` naming each wrong field.
 */
export function parseManifest (input: unknown): Manifest {
  const result = manifestSchema.safeParse(input)
  if (!result.success) throw manifestError(toIssues(ROOT, result.error.issues))
  return result.data
}

/**
 * Validates a manifest in JSON form (bytes as hex): a parsed JSON value, or JSON text.
 * Throws `ManifestError` naming each wrong field.
 */
export function manifestFromJson (input: unknown): Manifest {
  let value = input
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input)
    } catch (err) {
      throw manifestError([{ path: ROOT, message: `is not valid JSON: ${(err as Error).message}` }], { cause: err })
    }
  }
  const result = manifestJsonSchema.safeParse(value)
  if (!result.success) throw manifestError(toIssues(ROOT, result.error.issues))
  return result.data
}

/** The JSON form for CLI output and files: bytes as lowercase hex, fields in schema order. */
export function manifestToJson (manifest: Manifest): ManifestJson {
  const m = parseManifest(manifest)
  return {
    name: m.name,
    version: m.version,
    platforms: m.platforms,
    type: m.type,
    size: m.size,
    sha256: Buffer.from(m.sha256).toString('hex'),
    cid: m.cid,
    createdMs: m.createdMs,
    signatures: m.signatures.map(s => ({ keyId: s.keyId, signature: Buffer.from(s.signature).toString('hex') }))
  }
}

/**
 * Parses `name@version` (how people name an artifact on the command line) with the manifest's
 * own rules for both parts. Throws `ManifestError` naming the wrong part (`ref.version: …`).
 */
export function parseManifestRef (text: string): { name: string, version: string } {
  const at = text.indexOf('@')
  if (at < 0) throw manifestError([{ path: 'ref', message: `expected NAME@VERSION like edge-app@1.4.2, got '${text}'` }])
  const result = refSchema.safeParse({ name: text.slice(0, at), version: text.slice(at + 1) })
  if (!result.success) throw manifestError(toIssues('ref', result.error.issues))
  return result.data
}

/** `name@version`, how messages refer to a manifest. */
export function manifestRef (manifest: Pick<Manifest, 'name' | 'version'>): string {
  return `${manifest.name}@${manifest.version}`
}
