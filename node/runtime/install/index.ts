/**
 * Turns a verified artifact file into an installed app version under
 * `<appsDir>/<app>/<version>/`, idempotently and crash-safely: the version dir appears by a
 * rename only once complete, with its `.fleetd-installed.json` marker. Installing a version
 * that is already there returns it without work; a dir without a marker is redone.
 *
 * binary and script are copied and made executable; archive (tar.gz) is listed, checked and
 * extracted with the system `tar` and must carry `fleet-app.json` at its root; deb, rpm and
 * apk go through dpkg, rpm or apk; oci is loaded into Docker. A device lacking the tool
 * throws `RuntimeUnavailableError` (FLEET_ERR_RUNTIME_UNAVAILABLE) saying what it needs.
 *
 * Installs of one app run one at a time (the reconciler executes one step at a time).
 *
 * @example
 * ```ts
 * import { spawn } from 'node:child_process'
 * import { installArtifact, listInstalled } from './index.js'
 *
 * const app = await installArtifact({ file: '/var/lib/fleetd/blobs/ab12…', type: 'archive', appName: 'web', version: '1.4.2', appsDir: '/var/lib/fleetd/apps' })
 * const [program, ...args] = app.entrypoint ?? []
 * if (program !== undefined) spawn(program, args, { cwd: app.dir, env: { ...process.env, ...app.env } })
 * console.log((await listInstalled('/var/lib/fleetd/apps', 'web')).map(v => v.dir))
 * ```
 */
import type { ArtifactType } from '../../../content/manifest/index.js'
import type { AbortOptions, Clock, Random } from '../../ports/index.js'

export interface InstallRequest {
  /** The verified artifact (its sha256 was checked against the signed manifest before). */
  file: string
  type: ArtifactType
  appName: string
  version: string
  appsDir: string
}

export interface InstallOptions extends AbortOptions {
  /** Where tar and the package tools are looked up. @default process.env.PATH */
  pathEnv?: string
  /** Docker Engine socket for oci artifacts. @default '/var/run/docker.sock' */
  dockerSocketPath?: string
  /** Time recorded in the marker and used to age staging leftovers. @default systemClock() */
  clock?: Clock
  /** Names staging dirs. @default systemRandom() */
  random?: Random
}

export interface InstalledVersion {
  /** The version dir, `<appsDir>/<app>/<version>`: the working dir to run the app in. */
  dir: string
  type: ArtifactType
  /** Hex sha256 of the artifact file installed. */
  sha256: string
  installedMs: number
  /**
   * The argv to run, absolute: binary `[dir/<app>]`, script `['/bin/sh', dir/<app>]`, archive
   * from fleet-app.json. Undefined for deb/rpm/apk (the package brings its own service) and oci.
   */
  entrypoint?: string[]
  /** Extra environment from fleet-app.json. */
  env?: Record<string, string>
  /** fleet-app.json's `healthCheck`, untouched, for the health checker. */
  healthCheck?: unknown
  /** The tool that installed it: dpkg, rpm, apk or docker. */
  packageTool?: string
  /** For oci: the image name (or id) Docker loaded. */
  image?: string
}

export { installArtifact } from './install.js'
export { listInstalled, removeInstalled } from './installed.js'
export { appManifestSchema } from './app-manifest.js'
export type { AppManifest } from './app-manifest.js'
export { APP_MANIFEST_FILE, MARKER_FILE, STAGING_PREFIX } from './constants.js'
export { AppManifestError, ArchiveRefusedError, InstallError } from './errors.js'
export type { ArchiveRefusal, InstallFailureReason } from './errors.js'
export { RuntimeUnavailableError } from '../errors.js'
