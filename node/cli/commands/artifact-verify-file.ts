import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { CID } from 'multiformats/cid'
import { keyStore } from '../../../content/keys/index.js'
import { ManifestError, manifestFromJson, manifestRef, ManifestSignatureError, verifyManifest } from '../../../content/manifest/index.js'
import { ArtifactIntegrityError } from '../../../content/store/index.js'
import { keyIdOf } from '../../fleet/index.js'
import { systemClock } from '../../ports/index.js'
import { UsageError } from '../args.js'
import type { TrustedKey } from '../../../content/keys/index.js'
import type { Manifest } from '../../../content/manifest/index.js'

const COMMAND = 'artifact verify'
const ED25519_PUBLIC_KEY_BYTES = 32

export interface FileVerification {
  ok: true
  ref: string
  cid: string
  /** Trusted keys whose signatures verified. */
  keyIds: string[]
  /** Signers not among the keys given; their signatures were not checked. */
  unknownKeyIds: string[]
  /** Where the trusted keys came from. */
  trustedFrom: string
  file?: { path: string, size: number, sha256: string }
}

export interface VerifyFileOptions {
  manifestFile: string
  file?: string
  keysDir?: string
  trustedKeys?: string[]
}

/**
 * Verifies a manifest file the way a node would, with the administrator's keys (or the public
 * keys given) as the trusted set, and optionally the artifact file against its size and sha256.
 * Throws the manifest's or the store's coded errors, each naming what is wrong.
 */
export async function verifyManifestFile (o: VerifyFileOptions): Promise<FileVerification> {
  const manifest = await readManifest(o.manifestFile)
  const { keys, from } = await trustedKeys(o)
  let verification
  try {
    verification = await verifyManifest(manifest, keys)
  } catch (err) {
    if (err instanceof ManifestSignatureError && err.reason === 'unknown-key') {
      err.message += `; to check it here, pass the signer's public key with --trusted-key (fleets keys export prints it) or the --keys-dir that holds it (checked: ${from})`
    }
    throw err
  }
  const result: FileVerification = { ok: true, ref: manifestRef(manifest), cid: manifest.cid, keyIds: verification.keyIds, unknownKeyIds: verification.unknownKeyIds, trustedFrom: from }
  if (o.file != null) result.file = await checkFile(manifest, o.file)
  return result
}

/** Accepts what `fleets artifact upload --json` prints ({cid, manifest}) or a bare manifest. */
async function readManifest (path: string): Promise<Manifest> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read --manifest ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, COMMAND)
  }
  try {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return manifestFromJson(text) // throws the manifest error that says it is not JSON
    }
    const wrapped = (value as { manifest?: unknown } | null)?.manifest
    return manifestFromJson(wrapped ?? value)
  } catch (err) {
    if (err instanceof ManifestError) err.message += `; ${path} is not a manifest a node accepts: take it again from fleets artifact upload --json (a field edited by hand also breaks the signature)`
    throw err
  }
}

async function trustedKeys (o: VerifyFileOptions): Promise<{ keys: TrustedKey[], from: string }> {
  if (o.trustedKeys != null && o.trustedKeys.length > 0) {
    return { keys: o.trustedKeys.map(parseTrustedKey), from: `${o.trustedKeys.length} --trusted-key value(s)` }
  }
  const store = keyStore(o.keysDir != null ? { dir: o.keysDir } : {})({ clock: systemClock() })
  const infos = await store.list()
  if (infos.length === 0) {
    throw new UsageError(`no keys to verify against: ${store.dir} holds none; pass --trusted-key PUBLIC_KEY (base64, from fleets keys export) or the right --keys-dir`, COMMAND)
  }
  return { keys: infos.map(k => ({ keyId: k.keyId, publicKey: new Uint8Array(Buffer.from(k.publicKey, 'base64')) })), from: `keys in ${store.dir}` }
}

export function parseTrustedKey (text: string): TrustedKey {
  const bytes = Buffer.from(text, 'base64')
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || bytes.length !== ED25519_PUBLIC_KEY_BYTES) {
    throw new UsageError(`--trusted-key takes a raw Ed25519 public key in base64 (${ED25519_PUBLIC_KEY_BYTES} bytes, as fleets keys export prints it), got '${text}'`, COMMAND)
  }
  const publicKey = new Uint8Array(bytes)
  return { keyId: keyIdOf(publicKey), publicKey }
}

async function checkFile (manifest: Manifest, path: string): Promise<{ path: string, size: number, sha256: string }> {
  const hash = createHash('sha256')
  let size = 0
  try {
    for await (const chunk of createReadStream(path)) {
      hash.update(chunk as Buffer)
      size += (chunk as Buffer).byteLength
    }
  } catch (err) {
    throw new UsageError(`cannot read --file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, COMMAND)
  }
  const sha256 = hash.digest('hex')
  const expected = Buffer.from(manifest.sha256).toString('hex')
  const cid = CID.parse(manifest.cid)
  const ref = manifestRef(manifest)
  if (size !== manifest.size) {
    throw new ArtifactIntegrityError(`file ${path} is ${size} bytes, manifest ${ref} says ${manifest.size}: it is not the artifact this manifest describes; get the file again from its publisher, or verify it against its own manifest`, {
      cid, mismatch: 'size', expected: String(manifest.size), actual: String(size)
    })
  }
  if (sha256 !== expected) {
    throw new ArtifactIntegrityError(`file ${path} has sha256 ${sha256}, manifest ${ref} says ${expected}: it is not the artifact this manifest describes (same size, other bytes); get the file again from its publisher, or verify it against its own manifest`, {
      cid, mismatch: 'sha256', expected, actual: sha256
    })
  }
  return { path, size, sha256 }
}
