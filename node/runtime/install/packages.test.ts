/**
 * deb/rpm/apk and oci artifacts. No real package is installed: that would change this machine
 * system-wide (the tests run as root). Instead the tests give the installer a PATH: without the
 * tool (the error a device lacking it gets), or holding a stand-in script that records how it
 * was called. oci goes to a fake Docker Engine, as no Docker daemon runs here.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startFakeEngine } from '../../../test/support/fake-docker-engine.js'
import { InstallError, installArtifact, RuntimeUnavailableError } from './index.js'
import type { ArtifactType } from '../../../content/manifest/index.js'

let root: string
let appsDir: string
let pkg: string

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'fleetd-packages-'))
  appsDir = join(root, 'apps')
  pkg = join(root, 'artifact')
  await writeFile(pkg, 'not really a package')
})
afterEach(async () => { await rm(root, { recursive: true, force: true }) })

/** A PATH dir holding a stand-in `tool` that logs its arguments and exits with `code`. */
async function fakeToolPath (tool: string, code: number): Promise<{ pathEnv: string, log: string }> {
  const dir = join(root, 'bin')
  await mkdir(dir, { recursive: true })
  const log = join(root, `${tool}.log`)
  await writeFile(join(dir, tool), `#!/bin/sh\necho "$@" >> '${log}'\necho "${tool}: error: broken package" >&2\nexit ${code}\n`)
  await chmod(join(dir, tool), 0o755)
  return { pathEnv: dir, log }
}

const installPkg = async (type: ArtifactType, options: Parameters<typeof installArtifact>[1]): ReturnType<typeof installArtifact> =>
  await installArtifact({ file: pkg, type, appName: 'sensor', version: '2.1.0', appsDir }, options)

describe('package artifacts', () => {
  it.each([
    ['deb', 'dpkg', 'deb artifacts need dpkg, which this device lacks (Debian-based OS required'],
    ['rpm', 'rpm', 'rpm artifacts need rpm, which this device lacks (RPM-based OS required'],
    ['apk', 'apk', 'apk artifacts need apk, which this device lacks (Alpine Linux required']
  ] as const)('%s artifacts on a device without %s are refused as unavailable', async (type, tool, message) => {
    const empty = await mkdtemp(join(root, 'path-'))
    const err = await installPkg(type, { pathEnv: empty }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RuntimeUnavailableError)
    expect(err).toMatchObject({ code: 'FLEET_ERR_RUNTIME_UNAVAILABLE', runtime: tool })
    expect((err as Error).message).toContain(message)
    expect(await readdir(join(appsDir, 'sensor'))).toEqual([])
  })

  it('runs the package tool found on PATH on a copy kept in the version dir', async () => {
    const { pathEnv, log } = await fakeToolPath('dpkg', 0)
    const v = await installPkg('deb', { pathEnv })
    expect(v).toMatchObject({ type: 'deb', packageTool: 'dpkg', entrypoint: undefined })
    // The tool ran on the staged copy, before the rename made it the version dir.
    expect(await readFile(log, 'utf8')).toMatch(/^-i \/.*\/sensor\/\.staging-2\.1\.0-[0-9a-f]{16}\/package\.deb\n$/)
    expect(await readFile(join(v.dir, 'package.deb'), 'utf8')).toBe('not really a package')
    // Installed once: a second install is answered from the marker, the tool is not run again.
    await installPkg('deb', { pathEnv })
    expect((await readFile(log, 'utf8')).split('\n').filter(Boolean)).toHaveLength(1)
  })

  it('passes rpm --replacepkgs, so a redo after a crash is accepted', async () => {
    const { pathEnv, log } = await fakeToolPath('rpm', 0)
    await installPkg('rpm', { pathEnv })
    expect(await readFile(log, 'utf8')).toMatch(/^-U --replacepkgs \/.*\/package\.rpm\n$/)
  })

  it('quotes the tool when it fails and installs nothing', async () => {
    const { pathEnv } = await fakeToolPath('apk', 3)
    const err = await installPkg('apk', { pathEnv }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InstallError)
    expect(err).toMatchObject({ reason: 'tool-failed' })
    expect((err as Error).message).toMatch(/apk exited with 3 .*apk: error: broken package/)
    expect(await readdir(join(appsDir, 'sensor'))).toEqual([])
  })
})

describe('oci artifacts', () => {
  it('are refused as unavailable where no Docker Engine listens', async () => {
    const err = await installPkg('oci', { dockerSocketPath: join(root, 'docker.sock') }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RuntimeUnavailableError)
    expect(err).toMatchObject({ runtime: 'docker' })
    expect((err as Error).message).toContain(`oci artifacts need Docker, which this device lacks: no Docker Engine socket at ${join(root, 'docker.sock')}`)
  })

  it('are loaded into Docker through the Engine API (a fake one: no daemon runs here)', async () => {
    const engine = await startFakeEngine(join(root, 'docker.sock'))
    try {
      const v = await installPkg('oci', { dockerSocketPath: engine.socketPath })
      expect(v).toMatchObject({ type: 'oci', packageTool: 'docker', image: 'web:1.0.0' })
      expect(engine.loadedBytes).toEqual([Buffer.byteLength('not really a package')])
      engine.imageName = ''
      await expect(installArtifact({ file: pkg, type: 'oci', appName: 'sensor', version: '2.2.0', appsDir }, { dockerSocketPath: engine.socketPath }))
        .rejects.toMatchObject({ name: 'DockerApiError', code: 'FLEET_ERR_DOCKER_API' })
    } finally {
      await engine.close()
    }
  })
})
