import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { manifestFromJson, manifestToJson } from '../manifest/index.js'
import { MANIFESTS_MAX } from './constants.js'
import type { Manifest } from '../manifest/index.js'

/** Names an artifact a node holds; both parts passed the manifest schema, so they are safe in paths. */
export interface ArtifactRef { name: string, version: string }

const MANIFEST_SUFFIX = '.json'

/**
 * The manifests a node holds, one file each at `<storage>/artifacts/manifests/NAME@VERSION.json`,
 * and where their files are materialised, `<storage>/artifacts/NAME/VERSION/NAME`. A manifest is
 * written atomically (write, then rename) so a crash never leaves half of one.
 */
export class ManifestDir {
  readonly dir: string

  constructor (private readonly storageDir: string) {
    this.dir = join(storageDir, 'artifacts', 'manifests')
  }

  artifactPath (ref: ArtifactRef): string {
    return join(this.storageDir, 'artifacts', ref.name, ref.version, ref.name)
  }

  async save (m: Manifest): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    const file = this.fileOf(m)
    await writeFile(`${file}.partial`, JSON.stringify(manifestToJson(m), null, 2))
    await rename(`${file}.partial`, file)
  }

  /** @returns the manifest, or undefined when the node holds none for `ref` */
  async load (ref: ArtifactRef): Promise<Manifest | undefined> {
    let text: string
    try {
      text = await readFile(this.fileOf(ref), 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
    return this.parse(this.fileOf(ref), text)
  }

  /** Every manifest held, by file name (name, then version). */
  async list (): Promise<Manifest[]> {
    const names = (await readdir(this.dir).catch(() => [] as string[])).filter(n => n.endsWith(MANIFEST_SUFFIX)).sort()
    if (names.length > MANIFESTS_MAX) throw new Error(`${this.dir} holds ${names.length} manifests, over ${MANIFESTS_MAX}; run fleet-node artifact gc`)
    const manifests: Manifest[] = []
    for (const name of names) {
      const m = await this.load(parseFileName(name))
      // Gone since readdir: a GC removed it (list runs without the store lock).
      if (m != null) manifests.push(m)
    }
    return manifests
  }

  /** The materialised file's size, or undefined when it is not there (a seed holds blocks only). */
  async fileSize (ref: ArtifactRef): Promise<number | undefined> {
    const s = await stat(this.artifactPath(ref)).catch(() => undefined)
    return s?.isFile() === true ? s.size : undefined
  }

  /** Forgets an artifact: its manifest and its materialised file (blocks are GC's business). */
  async remove (ref: ArtifactRef): Promise<void> {
    await rm(this.fileOf(ref), { force: true })
    await rm(join(this.storageDir, 'artifacts', ref.name, ref.version), { recursive: true, force: true })
    // The app's folder goes too once its last version has (rmdir refuses a non-empty one).
    await rmdir(join(this.storageDir, 'artifacts', ref.name)).catch(() => {})
  }

  private fileOf (ref: ArtifactRef): string {
    return join(this.dir, `${ref.name}@${ref.version}${MANIFEST_SUFFIX}`)
  }

  /** A damaged manifest file names itself, so the operator knows which one to delete. */
  private parse (file: string, text: string): Manifest {
    try {
      return manifestFromJson(text)
    } catch (err) {
      (err as Error).message = `${file}: ${(err as Error).message}; delete it, or fetch the artifact again`
      throw err
    }
  }
}

/** `NAME@VERSION.json` back to its ref; names cannot hold '@', so the first one splits. */
function parseFileName (file: string): ArtifactRef {
  const base = file.slice(0, -MANIFEST_SUFFIX.length)
  const at = base.indexOf('@')
  return { name: base.slice(0, at), version: base.slice(at + 1) }
}
