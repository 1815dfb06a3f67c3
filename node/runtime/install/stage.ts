/**
 * Fills a staging dir with one artifact, by type. Returns what the marker records about it;
 * the caller turns the staging dir into the version dir only when this resolves.
 */
import { chmod, copyFile, open, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { readAppManifest } from './app-manifest.js'
import { extractArchive } from './archive.js'
import { installPackage, loadOciImage } from './packages.js'
import type { Marker } from './installed.js'
import type { InstallOptions } from './index.js'
import type { ArtifactType } from '../../../content/manifest/index.js'

export type StagedContent = Pick<Marker, 'interpreter' | 'entrypoint' | 'env' | 'healthCheck' | 'packageTool' | 'image'>

export async function stageArtifact (type: ArtifactType, file: string, app: string, staging: string, options: InstallOptions): Promise<StagedContent> {
  switch (type) {
    case 'binary':
      await copyExecutable(file, join(staging, app))
      return { entrypoint: [app] }
    case 'script':
      // Run through /bin/sh rather than its own #! line: a script without one still runs,
      // and a wrong interpreter path on the build machine does not matter on the device.
      await copyExecutable(file, join(staging, app))
      return { interpreter: ['/bin/sh'], entrypoint: [app] }
    case 'archive': {
      await extractArchive(file, staging, options)
      const manifest = await readAppManifest(staging)
      await syncTree(staging)
      return { entrypoint: manifest.entrypoint, env: manifest.env, healthCheck: manifest.healthCheck }
    }
    case 'deb':
    case 'rpm':
    case 'apk':
      return await installPackage(type, file, staging, options)
    case 'oci':
      return await loadOciImage(file, options)
  }
}

async function copyExecutable (from: string, to: string): Promise<void> {
  await copyFile(from, to)
  await chmod(to, 0o755)
  await syncFile(to)
}

/**
 * tar does not fsync what it writes: without this, a power cut soon after an install could
 * leave a valid marker over empty files. Bounded by the archive entry limit checked before.
 */
async function syncTree (dir: string): Promise<void> {
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) await syncFile(join(entry.parentPath, entry.name))
  }
}

async function syncFile (path: string): Promise<void> {
  const handle = await open(path, 'r')
  try { await handle.sync() } finally { await handle.close() }
}
