/**
 * Installed versions on disk: `<appsDir>/<app>/<version>/` holding the completion marker.
 * A version dir counts as installed iff its marker is present and valid; everything else in
 * an app dir is a leftover of a crash and is redone or cleaned, never used.
 */
import { lstat, open, readdir, readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import { ARTIFACT_TYPES } from '../../../content/manifest/index.js'
import { APP_NAME_PATTERN, INSTALLED_VERSIONS_MAX, MARKER_BYTES_MAX, MARKER_FILE, VERSION_PATTERN } from './constants.js'
import { InstallError } from './errors.js'
import type { InstalledVersion } from './index.js'

const markerSchema = z.object({
  formatVersion: z.literal(1),
  type: z.enum(ARTIFACT_TYPES),
  /** Hex sha256 of the artifact file this version was installed from. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  installedMs: z.number().int().nonnegative(),
  /** Run before the entrypoint (script: /bin/sh). */
  interpreter: z.array(z.string()).optional(),
  /** First element relative to the version dir, so the dir stays valid if the apps dir moves. */
  entrypoint: z.array(z.string()).min(1).optional(),
  env: z.record(z.string(), z.string()).optional(),
  healthCheck: z.unknown().optional(),
  packageTool: z.string().optional(),
  image: z.string().optional()
})

export type Marker = z.infer<typeof markerSchema>

/** Validates an app name and version before they become path segments; returns the version dir. */
export function versionDir (appsDir: string, app: string, version: string): string {
  checkApp(app)
  if (!VERSION_PATTERN.test(version)) {
    throw new InstallError(`version '${version}' cannot be installed: expected letters, digits, '.', '+', '_', '~' or '-' (up to 64), starting with a letter or digit`, 'invalid-input')
  }
  return join(resolve(appsDir), app, version)
}

function checkApp (app: string): void {
  if (!APP_NAME_PATTERN.test(app)) {
    throw new InstallError(`app name '${app}' cannot be installed: expected lowercase letters, digits, '.', '_' or '-' (up to 100), starting with a letter or digit`, 'invalid-input')
  }
}

/** The installed version in `dir`, or undefined when its marker is missing or damaged. */
export async function readInstalled (dir: string): Promise<InstalledVersion | undefined> {
  const path = join(dir, MARKER_FILE)
  const info = await lstat(path).catch(() => undefined)
  if (info === undefined || !info.isFile() || info.size > MARKER_BYTES_MAX) return undefined
  try {
    const marker = markerSchema.safeParse(JSON.parse(await readFile(path, 'utf8')))
    return marker.success ? toInstalled(dir, marker.data) : undefined
  } catch {
    return undefined
  }
}

/**
 * Writes the marker into a staged dir and makes it durable. Any entry of that name (an archive
 * could ship one, even as a link to a system file) is removed first, and the file is created
 * exclusively, so the agent never writes through a link.
 */
export async function writeMarker (dir: string, marker: Marker): Promise<InstalledVersion> {
  const path = join(dir, MARKER_FILE)
  await rm(path, { force: true, recursive: true })
  const file = await open(path, 'wx', 0o644)
  try {
    await file.writeFile(JSON.stringify(markerSchema.parse(marker)) + '\n')
    await file.sync()
  } finally {
    await file.close()
  }
  return toInstalled(dir, marker)
}

export function toInstalled (dir: string, marker: Marker): InstalledVersion {
  const [program, ...args] = marker.entrypoint ?? []
  return {
    dir,
    type: marker.type,
    sha256: marker.sha256,
    installedMs: marker.installedMs,
    entrypoint: program === undefined ? undefined : [...(marker.interpreter ?? []), join(dir, program), ...args],
    env: marker.env,
    healthCheck: marker.healthCheck,
    packageTool: marker.packageTool,
    image: marker.image
  }
}

/** Installed versions of `app`, oldest install first; half-installed and staging dirs are skipped. */
export async function listInstalled (appsDir: string, app: string): Promise<InstalledVersion[]> {
  checkApp(app)
  const appDir = join(resolve(appsDir), app)
  const names = await readdir(appDir).catch(() => [])
  const found: InstalledVersion[] = []
  for (const name of names.filter(n => VERSION_PATTERN.test(n)).sort().slice(0, INSTALLED_VERSIONS_MAX)) {
    const installed = await readInstalled(join(appDir, name))
    if (installed !== undefined) found.push(installed)
  }
  return found.sort((a, b) => a.installedMs - b.installedMs)
}

/**
 * Removes an installed version; idempotent. The marker goes first and durably, so a crash
 * midway leaves a dir that no longer counts as installed rather than a damaged one that does.
 * System packages (deb/rpm/apk) and Docker images stay installed: this removes FleetD's copy.
 */
export async function removeInstalled (appsDir: string, app: string, version: string): Promise<void> {
  const dir = versionDir(appsDir, app, version)
  await rm(join(dir, MARKER_FILE), { force: true })
  await syncDir(dir)
  await rm(dir, { recursive: true, force: true })
}

/** fsync a directory so renames and unlinks in it survive a power cut; a missing dir is fine. */
export async function syncDir (dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined)
  if (handle === undefined) return
  try { await handle.sync() } finally { await handle.close() }
}
