/**
 * One install as a transaction on the file system: stage into `.staging-<version>-<random>`,
 * write the marker last, rename into place. A `kill -9` at any point leaves either no version
 * dir, or a complete one with its marker; the next install of that version cleans the rest.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { ARTIFACT_TYPES } from '../../../content/manifest/index.js'
import { systemClock, systemRandom } from '../../ports/index.js'
import { STAGING_PREFIX, STAGING_STALE_MS } from './constants.js'
import { InstallError } from './errors.js'
import { readInstalled, syncDir, versionDir, writeMarker } from './installed.js'
import { stageArtifact } from './stage.js'
import type { InstalledVersion, InstallOptions, InstallRequest } from './index.js'
import type { Clock } from '../../ports/index.js'

export async function installArtifact (req: InstallRequest, options: InstallOptions = {}): Promise<InstalledVersion> {
  const clock = options.clock ?? systemClock()
  const random = options.random ?? systemRandom()
  if (!(ARTIFACT_TYPES as readonly string[]).includes(req.type)) {
    throw new InstallError(`artifact type '${req.type}' cannot be installed: expected one of ${ARTIFACT_TYPES.join(', ')}`, 'invalid-input')
  }
  const finalDir = versionDir(req.appsDir, req.appName, req.version)
  const appDir = dirname(finalDir)
  options.signal?.throwIfAborted()

  const existing = await readInstalled(finalDir)
  if (existing !== undefined) return existing
  // A version dir without a valid marker is not a version: a crash or a damaged disk left it.
  await rm(finalDir, { recursive: true, force: true })
  await mkdir(appDir, { recursive: true, mode: 0o755 })
  await cleanStaging(appDir, req.version, clock)

  const suffix = [random.nextU32(), random.nextU32()].map(n => n.toString(16).padStart(8, '0')).join('')
  const staging = join(appDir, `${STAGING_PREFIX}${req.version}-${suffix}`)
  await mkdir(staging, { mode: 0o755 })
  try {
    const sha256 = await hashFile(req.file)
    options.signal?.throwIfAborted()
    const content = await stageArtifact(req.type, req.file, req.appName, staging, options)
    options.signal?.throwIfAborted()
    await writeMarker(staging, { formatVersion: 1, type: req.type, sha256, installedMs: clock.nowMs(), ...content })
    await syncDir(staging)
    try {
      await rename(staging, finalDir)
    } catch (err) {
      // Someone else finished the same version first: theirs is as good as ours.
      const theirs = await readInstalled(finalDir)
      if (theirs === undefined) throw err
      await rm(staging, { recursive: true, force: true })
      return theirs
    }
    await syncDir(appDir)
  } catch (err) {
    await rm(staging, { recursive: true, force: true })
    if (isIoError(err)) throw new InstallError(`installing ${req.appName}@${req.version} failed: ${(err as Error).message}`, 'io', { cause: err })
    throw err
  }
  const installed = await readInstalled(finalDir)
  if (installed === undefined) throw new InstallError(`installed ${req.appName}@${req.version} but its marker cannot be read back from ${finalDir}`, 'io')
  return installed
}

/**
 * Removes staging leftovers: always those of this version (only one install of a version runs
 * at a time, so they belong to a crashed one), others once older than STAGING_STALE_MS, as a
 * concurrent install of another version may own them.
 */
async function cleanStaging (appDir: string, version: string, clock: Clock): Promise<void> {
  for (const name of await readdir(appDir)) {
    if (!name.startsWith(STAGING_PREFIX)) continue
    const path = join(appDir, name)
    const sameVersion = name.startsWith(`${STAGING_PREFIX}${version}-`) && /^[0-9a-f]{16}$/.test(name.slice(STAGING_PREFIX.length + version.length + 1))
    const info = await stat(path).catch(() => undefined)
    if (info === undefined) continue
    if (sameVersion || clock.nowMs() - info.mtimeMs > STAGING_STALE_MS) await rm(path, { recursive: true, force: true })
  }
}

async function hashFile (file: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(file), hash)
  return hash.digest('hex')
}

function isIoError (err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) && code !== 'ABORT_ERR'
}
