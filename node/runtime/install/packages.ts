/**
 * deb, rpm and apk artifacts go through the device's own package tool, and oci images into
 * Docker: the OS stays the owner of what it installs. A device without the tool gets a
 * RuntimeUnavailableError that names the tool and the kind of OS it takes.
 */
import { copyFile } from 'node:fs/promises'
import { createReadStream } from 'node:fs'
import { join } from 'node:path'
import { findExecutable } from '../availability.js'
import { requireDocker } from '../docker/index.js'
import { RuntimeUnavailableError } from '../errors.js'
import { quoteOutput, runTool } from '../run-tool.js'
import { TOOL_OUTPUT_QUOTED_MAX, TOOL_TIMEOUT_MS } from './constants.js'
import { InstallError } from './errors.js'
import type { AbortOptions } from '../../ports/index.js'

export type PackageType = 'deb' | 'rpm' | 'apk'

interface PackageTool {
  tool: 'dpkg' | 'rpm' | 'apk'
  os: string
  args: (file: string) => string[]
}

const PACKAGE_TOOLS: Record<PackageType, PackageTool> = {
  deb: { tool: 'dpkg', os: 'Debian-based OS required, like Debian, Ubuntu or Raspberry Pi OS', args: f => ['-i', f] },
  // --replacepkgs: redoing an install that crashed after rpm ran must not fail as "already installed".
  rpm: { tool: 'rpm', os: 'RPM-based OS required, like Fedora, RHEL or openSUSE', args: f => ['-U', '--replacepkgs', f] },
  // Artifacts are verified by FleetD's signed manifests, not apk's own keys.
  apk: { tool: 'apk', os: 'Alpine Linux required', args: f => ['add', '--allow-untrusted', f] }
}

export interface PackageOptions extends AbortOptions {
  /** Where package tools are looked up. @default process.env.PATH */
  pathEnv?: string
}

/**
 * Copies the package into the staging dir (so the version dir keeps exactly what was
 * installed, for a later reinstall) and runs the tool on that copy. Re-running it after a
 * crash is safe: each tool accepts the same package again.
 */
export async function installPackage (type: PackageType, file: string, stagingDir: string, options: PackageOptions = {}): Promise<{ packageTool: string }> {
  const { tool, os, args } = PACKAGE_TOOLS[type]
  const path = await findExecutable(tool, options.pathEnv)
  if (path === undefined) throw new RuntimeUnavailableError(`${type} artifacts need ${tool}, which this device lacks (${os})`, tool)
  const staged = join(stagingDir, `package.${type}`)
  await copyFile(file, staged)
  const env = { ...process.env, PATH: options.pathEnv ?? process.env.PATH, DEBIAN_FRONTEND: 'noninteractive' }
  const run = await runTool(path, args(staged), { signal: options.signal, env, timeoutMs: TOOL_TIMEOUT_MS, outputBytesMax: 1024 * 1024 })
  if (run.code !== 0) {
    const how = run.code === null ? 'was stopped (timeout or killed)' : `exited with ${run.code}`
    throw new InstallError(`${tool} ${how} installing the ${type} package: ${quoteOutput(run.stderr + run.stdout, TOOL_OUTPUT_QUOTED_MAX)}`, 'tool-failed')
  }
  return { packageTool: tool }
}

export interface OciOptions extends AbortOptions {
  /** @default '/var/run/docker.sock' */
  dockerSocketPath?: string
}

/** `docker load` through the Engine API; the image lives in Docker, the version dir records its name. */
export async function loadOciImage (file: string, options: OciOptions = {}): Promise<{ packageTool: string, image: string }> {
  const docker = await requireDocker('oci artifacts', options.dockerSocketPath, options)
  const loaded = await docker.loadImage(createReadStream(file), options)
  const image = loaded[0]
  if (image === undefined) throw new InstallError('Docker loaded no image from the oci artifact; build it with docker save (a docker-archive tar)', 'tool-failed')
  return { packageTool: 'docker', image }
}
