import { resolve } from 'node:path'
import { keyStore } from '../../../content/keys/index.js'
import { ARTIFACT_TYPES, manifestToJson, parseManifest, signManifest } from '../../../content/manifest/index.js'
import { systemClock } from '../../ports/index.js'
import { rpcPost, rpcStream } from '../../rpc/index.js'
import { defaultStorageDir } from '../../storage/index.js'
import { parseFlags, UsageError } from '../args.js'
import { formatBytes, progressLine } from './progress-line.js'
import type { ArtifactType, ManifestJson } from '../../../content/manifest/index.js'
import type { PrivateKey } from '@libp2p/interface'

export const UPLOAD_HELP = `Usage: fleets artifact upload --name N --version V --file F --platform P [options]

Import a file into a fleet node's store (which then serves it to the fleet peer to peer), sign
its manifest with a release key, and print the CID and the signed manifest.

Options:
  --name N              artifact name (lowercase letters, digits, . _ -)
  --version V           version, e.g. 1.4.2
  --file F              the artifact file
  --platform P          os/arch such as linux/arm64, repeatable
  --type T              ${ARTIFACT_TYPES.join(' | ')} (default binary)
  --key K               release key name or id (default: the only key in --keys-dir)
  --keys-dir D          where release keys live (fleets keys generate)
  --node-storage-dir D  storage dir of the running fleet-node that imports and seeds it
  --keep                pin it manually on that node: gc keeps it until fleet-node artifact
                        unpin (default: it counts as one of the newest N versions of its app)
  --json                print {cid, manifest} as JSON
`

interface ImportLine { type: 'progress' | 'done', bytes?: number, cid?: string, size?: number, sha256?: string, newBytes?: number, blocks?: number, newBlocks?: number }

export async function artifactUpload (argv: string[]): Promise<number> {
  const { values } = parseFlags('artifact upload', argv, {
    name: { type: 'string' }, version: { type: 'string' }, file: { type: 'string' }, platform: { type: 'string', multiple: true },
    type: { type: 'string' }, key: { type: 'string' }, 'keys-dir': { type: 'string' }, 'node-storage-dir': { type: 'string' },
    keep: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }
  })
  if (values.help === true) { process.stdout.write(UPLOAD_HELP); return 0 }
  for (const flag of ['name', 'version', 'file'] as const) if (values[flag] == null) throw new UsageError(`--${flag} is required`, 'artifact upload')
  if (values.platform == null) throw new UsageError('--platform is required (e.g. --platform linux/arm64)', 'artifact upload')
  const type = (values.type ?? 'binary') as ArtifactType
  if (!ARTIFACT_TYPES.includes(type)) throw new UsageError(`--type must be one of ${ARTIFACT_TYPES.join(', ')}, got '${type}'`, 'artifact upload')
  const keys = keyStore(values['keys-dir'] != null ? { dir: values['keys-dir'] } : {})({ clock: systemClock() })
  const keyName = values.key ?? await onlyKey(keys)
  const privateKey = await keys.load(keyName)
  const node = values['node-storage-dir'] ?? defaultStorageDir()

  const bar = progressLine('importing')
  const { done, manifest } = await uploadArtifact({
    node, file: values.file ?? '', name: values.name ?? '', version: values.version ?? '', platforms: values.platform, type, privateKey,
    keep: values.keep === true, onProgress: bytes => { bar.update(formatBytes(bytes)) }
  })
  bar.done()
  if (values.json === true) {
    process.stdout.write(JSON.stringify({ cid: done.cid, newBytes: done.newBytes, manifest }) + '\n')
  } else {
    process.stdout.write(`${done.cid}\n${JSON.stringify(manifest, null, 2)}\n`)
    process.stderr.write(`${values.name}@${values.version}: ${formatBytes(done.size)}, ${formatBytes(done.newBytes ?? 0)} new in this store; signed by ${manifest.signatures.map(s => s.keyId).join(', ')}\n`)
  }
  return 0
}

export interface UploadArtifactOptions {
  /** Storage dir of the running node (a fleet-node or the coordinator) that imports and seeds it. */
  node: string
  file: string
  name: string
  version: string
  platforms: string[]
  type: ArtifactType
  privateKey: PrivateKey
  /** Pin it manually on that node. @default false */
  keep?: boolean
  onProgress?: (bytes: number) => void
}

/** Imports `file` into the node's store over its local API, signs the manifest, registers it; returns the registered manifest. */
export async function uploadArtifact (options: UploadArtifactOptions): Promise<{ done: ImportLine & { cid: string, size: number }, manifest: ManifestJson }> {
  let done: ImportLine | undefined
  for await (const line of rpcStream<ImportLine>(options.node, '/v1/artifacts/import', { file: resolve(options.file) })) {
    if (line.type === 'progress') options.onProgress?.(line.bytes ?? 0)
    else done = line
  }
  if (done?.cid == null || done.sha256 == null || done.size == null) throw new Error('the node did not finish the import')
  const unsigned = parseManifest({
    name: options.name, version: options.version, platforms: options.platforms, type: options.type, size: done.size,
    sha256: Buffer.from(done.sha256, 'hex'), cid: done.cid, createdMs: Date.now(), signatures: []
  })
  const signed = await signManifest(unsigned, options.privateKey)
  const manifest = await rpcPost<ManifestJson>(options.node, '/v1/artifacts/register', { manifest: manifestToJson(signed), keep: options.keep === true })
  return { done: { ...done, cid: done.cid, size: done.size }, manifest }
}

async function onlyKey (keys: ReturnType<ReturnType<typeof keyStore>>): Promise<string> {
  const all = await keys.list()
  if (all.length === 1 && all[0] != null) return all[0].name
  throw new UsageError(all.length === 0
    ? `no release key in ${keys.dir}; create one with fleets keys generate NAME`
    : `several keys in ${keys.dir} (${all.map(k => k.name).join(', ')}); choose one with --key`, 'artifact upload')
}
