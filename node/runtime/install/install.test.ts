/**
 * Installs real files into a temp apps dir and runs what was installed: binaries, scripts and
 * tar.gz archives built here with the system tar.
 */
import { execFile } from 'node:child_process'
import { access, chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppManifestError, ArchiveRefusedError, InstallError, installArtifact, listInstalled, MARKER_FILE, removeInstalled } from './index.js'
import type { ArtifactType } from '../../../content/manifest/index.js'
import type { Clock } from '../../ports/index.js'

const run = promisify(execFile)
let root: string
let appsDir: string

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'fleetd-install-'))
  appsDir = join(root, 'apps')
})
afterEach(async () => { await rm(root, { recursive: true, force: true }) })

async function artifact (name: string, text: string): Promise<string> {
  const path = join(root, name)
  await writeFile(path, text)
  return path
}

/** A tar.gz of `files` (path → [content, mode]) built with the system tar, as a publisher would. */
async function archive (files: Record<string, [string, number]>, tarArgs: string[] = []): Promise<string> {
  const src = await mkdtemp(join(root, 'src-'))
  for (const [path, [content, mode]] of Object.entries(files)) {
    await mkdir(join(src, path, '..'), { recursive: true })
    await writeFile(join(src, path), content)
    await chmod(join(src, path), mode)
  }
  const out = join(root, `app-${Math.random().toString(16).slice(2)}.tgz`)
  await run('tar', ['-czf', out, '-C', src, '.', ...tarArgs])
  return out
}

const install = async (file: string, type: ArtifactType, version = '1.0.0', clock?: Clock): ReturnType<typeof installArtifact> =>
  await installArtifact({ file, type, appName: 'web', version, appsDir }, { clock })

const APP = '#!/bin/sh\necho "app says $GREETING $1"\n'
const fixedClock = (ms: number): Clock => ({ nowMs: () => ms, sleep: async () => {} })

describe('installArtifact', () => {
  it('installs a binary as an executable and runs it', async () => {
    const v = await install(await artifact('web.bin', '#!/bin/sh\necho binary-ok "$@"\n'), 'binary')
    expect(v.dir).toBe(join(appsDir, 'web', '1.0.0'))
    expect(v.entrypoint).toEqual([join(v.dir, 'web')])
    expect((await stat(join(v.dir, 'web'))).mode & 0o777).toBe(0o755)
    const { stdout } = await run(v.entrypoint?.[0] ?? '', ['x'])
    expect(stdout).toBe('binary-ok x\n')
    expect(v.sha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it('installs a script and runs it through /bin/sh, with or without a #! line', async () => {
    const v = await install(await artifact('setup.sh', 'echo script-ok from $0\n'), 'script')
    expect(v.entrypoint).toEqual(['/bin/sh', join(v.dir, 'web')])
    const [sh, ...args] = v.entrypoint ?? []
    expect((await run(sh ?? '', args)).stdout).toBe(`script-ok from ${join(v.dir, 'web')}\n`)
  })

  it('installs a tar.gz with fleet-app.json and runs its entrypoint with its env', async () => {
    const file = await archive({
      'bin/app': [APP, 0o755],
      'fleet-app.json': [JSON.stringify({ entrypoint: ['bin/app', 'world'], env: { GREETING: 'hello' }, healthCheck: { http: { path: '/health' } } }), 0o644]
    })
    const v = await install(file, 'archive')
    expect(v.entrypoint).toEqual([join(v.dir, 'bin/app'), 'world'])
    expect(v.healthCheck).toEqual({ http: { path: '/health' } })
    const [program, ...args] = v.entrypoint ?? []
    const { stdout } = await run(program ?? '', args, { env: { ...process.env, ...v.env }, cwd: v.dir })
    expect(stdout).toBe('app says hello world\n')
    expect(await listInstalled(appsDir, 'web')).toEqual([v])
  })

  it.each([
    ['a ../ entry', ['-P', '../evil'], '../evil'],
    ['an absolute entry', ['-P', '/etc/hostname'], '/etc/hostname']
  ])('refuses an archive with %s, naming it, before extracting anything', async (_what, extra, entry) => {
    await writeFile(join(root, 'evil'), 'outside')
    const file = await archive({ 'bin/app': [APP, 0o755], 'fleet-app.json': ['{"entrypoint":["bin/app"]}', 0o644] }, extra)
    const err = await install(file, 'archive').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ArchiveRefusedError)
    expect(err).toMatchObject({ code: 'FLEET_ERR_ARCHIVE_REFUSED', reason: 'unsafe-entry', entry })
    expect((err as Error).message).toContain(`'${entry}'`)
    expect(await readdir(join(appsDir, 'web'))).toEqual([])
  })

  it('refuses an archive with a link leading out of the app dir', async () => {
    const src = await mkdtemp(join(root, 'src-'))
    await writeFile(join(src, 'fleet-app.json'), '{"entrypoint":["app"]}')
    await symlink('/bin/sh', join(src, 'app'))
    const file = join(root, 'link.tgz')
    await run('tar', ['-czf', file, '-C', src, '.'])
    await expect(install(file, 'archive')).rejects.toMatchObject({ name: 'ArchiveRefusedError', reason: 'unsafe-link', entry: 'app' })
  })

  it.each([
    ['is missing', { 'bin/app': [APP, 0o755] }, 'fleet-app.json', /is missing; put it at the root/],
    ['has no entrypoint', { 'fleet-app.json': ['{"env":{}}', 0o644] }, 'entrypoint', /expected a list like \["bin\/app"/],
    ['has an absolute program', { 'fleet-app.json': ['{"entrypoint":["/bin/sh"]}', 0o644] }, 'entrypoint[0]', /relative to the archive root/],
    ['names a program not in the archive', { 'fleet-app.json': ['{"entrypoint":["bin/none"]}', 0o644] }, 'entrypoint[0]', /'bin\/none' is not in the archive/],
    ['names a program that is not executable', { 'bin/app': [APP, 0o644], 'fleet-app.json': ['{"entrypoint":["bin/app"]}', 0o644] }, 'entrypoint[0]', /not executable; chmod \+x/],
    ['has a bad variable name', { 'bin/app': [APP, 0o755], 'fleet-app.json': ['{"entrypoint":["bin/app"],"env":{"1X":"y"}}', 0o644] }, 'env.1X', /variable name of letters/],
    ['is not JSON', { 'fleet-app.json': ['{"entrypoint":', 0o644] }, 'fleet-app.json', /not valid JSON/]
  ] as Array<[string, Record<string, [string, number]>, string, RegExp]>)('refuses an archive whose fleet-app.json %s, naming the field', async (_what, files, field, message) => {
    const err = await install(await archive(files), 'archive').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppManifestError)
    expect(err).toMatchObject({ code: 'FLEET_ERR_APP_MANIFEST_INVALID', field })
    expect((err as Error).message).toMatch(message)
    expect(await readdir(join(appsDir, 'web'))).toEqual([])
  })

  it('is idempotent: a second install returns the marked version without reading the artifact', async () => {
    const file = await artifact('web.bin', '#!/bin/sh\necho v1\n')
    const first = await install(file, 'binary', '1.0.0', fixedClock(1_000))
    await rm(file)
    const second = await install(file, 'binary', '1.0.0', fixedClock(2_000))
    expect(second).toEqual(first)
    expect(second.installedMs).toBe(1_000)
  })

  it('redoes a version dir left without its marker, and cleans staging leftovers', async () => {
    const appDir = join(appsDir, 'web')
    await mkdir(join(appDir, '1.0.0'), { recursive: true })
    await writeFile(join(appDir, '1.0.0', 'half-written'), 'x')
    const sameVersion = join(appDir, '.staging-1.0.0-0123456789abcdef')
    const oldOther = join(appDir, '.staging-0.9.0-0123456789abcdef')
    const freshOther = join(appDir, '.staging-1.1.0-0123456789abcdef')
    for (const dir of [sameVersion, oldOther, freshOther]) await mkdir(dir)
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000)
    await utimes(oldOther, twoHoursAgo, twoHoursAgo)

    const v = await install(await artifact('web.bin', '#!/bin/sh\necho v1\n'), 'binary')
    expect((await readdir(v.dir)).sort()).toEqual([MARKER_FILE, 'web'])
    expect((await readdir(appDir)).sort()).toEqual(['.staging-1.1.0-0123456789abcdef', '1.0.0'])
  })

  it('redoes a version whose marker is damaged', async () => {
    const v = await install(await artifact('a.bin', 'v1'), 'binary')
    await writeFile(join(v.dir, MARKER_FILE), '{"formatVersion":1,')
    expect(await listInstalled(appsDir, 'web')).toEqual([])
    const again = await install(await artifact('b.bin', 'v2'), 'binary')
    expect(await readFile(join(again.dir, 'web'), 'utf8')).toBe('v2')
  })

  it('lists and removes versions; removing is idempotent', async () => {
    await install(await artifact('a.bin', 'a'), 'binary', '1.0.0', fixedClock(1))
    await install(await artifact('b.bin', 'b'), 'binary', '2.0.0', fixedClock(2))
    expect((await listInstalled(appsDir, 'web')).map(v => v.dir)).toEqual([join(appsDir, 'web', '1.0.0'), join(appsDir, 'web', '2.0.0')])
    await removeInstalled(appsDir, 'web', '1.0.0')
    await removeInstalled(appsDir, 'web', '1.0.0')
    expect((await listInstalled(appsDir, 'web')).map(v => v.dir)).toEqual([join(appsDir, 'web', '2.0.0')])
    expect(await listInstalled(appsDir, 'other')).toEqual([])
  })

  it('refuses app names and versions that are not plain path segments', async () => {
    const file = await artifact('a.bin', 'a')
    await expect(installArtifact({ file, type: 'binary', appName: '../x', version: '1', appsDir })).rejects.toMatchObject({ code: 'FLEET_ERR_INSTALL_FAILED', reason: 'invalid-input' })
    await expect(install(file, 'binary', '../1')).rejects.toBeInstanceOf(InstallError)
    await expect(access(join(root, 'x'))).rejects.toThrow()
  })

  it('reports an unreadable artifact as an io failure and leaves no staging dir', async () => {
    await expect(install(join(root, 'missing.bin'), 'binary')).rejects.toMatchObject({ name: 'InstallError', reason: 'io' })
    expect(await readdir(join(appsDir, 'web'))).toEqual([])
  })

  it('stops when aborted', async () => {
    const file = await artifact('a.bin', 'a')
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(installArtifact({ file, type: 'binary', appName: 'web', version: '1', appsDir }, { signal: controller.signal })).rejects.toThrow('stop')
  })
})
