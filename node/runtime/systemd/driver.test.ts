/**
 * The systemctl driver. systemd is not PID 1 on these machines, so the tests (a) check the
 * clear unavailable error a device without systemd gets, and (b) point the driver at a temp
 * run dir and a stand-in `systemctl` that records its calls, never at the real one.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { detectSystemd, RuntimeUnavailableError, SystemctlError, systemd } from './index.js'

let dir: string
let log: string
let fake: { unitDir: string, runDir: string, pathEnv: string }

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleetd-systemd-'))
  log = join(dir, 'systemctl.log')
  fake = { unitDir: join(dir, 'units'), runDir: join(dir, 'run-systemd'), pathEnv: join(dir, 'bin') }
  for (const d of Object.values(fake)) await mkdir(d)
  // Stand-in systemctl: logs its arguments; is-active says active only for fleetd-up.service.
  await writeFile(join(fake.pathEnv, 'systemctl'), [
    '#!/bin/sh', `echo "$@" >> '${log}'`,
    'if [ "$1" = is-active ]; then [ "$3" = fleetd-up.service ]; exit $?; fi',
    'if [ "$2" = fleetd-broken.service ]; then echo "Job for fleetd-broken.service failed." >&2; exit 1; fi',
    'exit 0', ''
  ].join('\n'))
  await chmod(join(fake.pathEnv, 'systemctl'), 0o755)
})
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

describe('systemd runtime', () => {
  it('on this machine (systemd not PID 1): detection says why and every call is unavailable', async (ctx) => {
    const found = await detectSystemd()
    if (found.available) { ctx.skip(); return }
    expect(found.reason).toMatch(/^systemd is not running on this device: \/run\/systemd\/system is missing \(PID 1 is '.+', not systemd\)$/)
    const driver = systemd({ unitDir: fake.unitDir })
    for (const call of [() => driver.start('web'), () => driver.isActive('web'), () => driver.writeUnit('web', { execStart: ['/bin/true'] })]) {
      const err = await call().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(RuntimeUnavailableError)
      expect(err).toMatchObject({ code: 'FLEET_ERR_RUNTIME_UNAVAILABLE', runtime: 'systemd' })
      expect((err as Error).message).toContain('the systemd runtime needs systemd, which this device lacks: systemd is not running')
    }
  })

  it('detects systemd only with both its run dir and systemctl', async () => {
    expect(await detectSystemd(fake)).toEqual({ available: true, systemctl: join(fake.pathEnv, 'systemctl') })
    expect(await detectSystemd({ ...fake, pathEnv: join(dir, 'units') })).toEqual({ available: false, reason: 'systemd runs, but systemctl is not on the agent\'s PATH' })
  })

  it('writes the unit atomically, reloads only when it changed, and drives systemctl', async () => {
    const driver = systemd(fake)
    const spec = { execStart: ['/opt/up/bin/up', '--port', '80'], restart: 'always' as const }
    const written = await driver.writeUnit('up', spec)
    expect(written).toEqual({ path: join(fake.unitDir, 'fleetd-up.service'), changed: true })
    expect(await readFile(written.path, 'utf8')).toContain('ExecStart="/opt/up/bin/up" "--port" "80"')
    expect((await stat(written.path)).mode & 0o777).toBe(0o644)
    expect(await driver.writeUnit('up', spec)).toMatchObject({ changed: false })
    await driver.start('up')
    await driver.restart('up')
    expect(await driver.isActive('up')).toBe(true)
    expect(await driver.isActive('down')).toBe(false)
    await driver.stop('up')
    await driver.removeUnit('up')
    await expect(stat(written.path)).rejects.toThrow()
    expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual([
      'daemon-reload', 'start fleetd-up.service', 'restart fleetd-up.service', 'is-active --quiet fleetd-up.service',
      'is-active --quiet fleetd-down.service', 'stop fleetd-up.service', 'daemon-reload'
    ])
  })

  it('quotes systemctl when it fails', async () => {
    const err = await systemd(fake).start('broken').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SystemctlError)
    expect(err).toMatchObject({ code: 'FLEET_ERR_SYSTEMCTL', exitCode: 1 })
    expect((err as Error).message).toBe('systemctl start fleetd-broken.service exited with 1: Job for fleetd-broken.service failed.')
  })
})
