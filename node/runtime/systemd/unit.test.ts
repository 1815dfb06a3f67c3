/**
 * The unit generator is pure, so it is tested here without a running systemd. Where the
 * `systemd-analyze` tool is installed (it works without systemd as PID 1), the generated
 * units are also checked by systemd's own parser.
 */
import { execFile } from 'node:child_process'
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { findExecutable } from '../availability.js'
import { quoteWord, renderUnit, SystemdUnitError, unitName } from './index.js'
import type { UnitSpec } from './index.js'

const run = promisify(execFile)

describe('renderUnit', () => {
  it('writes a complete service unit', () => {
    expect(renderUnit('web', {
      execStart: ['/opt/web/bin/web', '--port', '8080'], env: { PORT: '8080' }, workingDir: '/opt/web', restart: 'on-failure',
      memoryMax: 268_435_456, cpuQuotaPercent: 150
    })).toBe([
      "# Written by FleetD for app web; it is rewritten on every deploy, so edit the app's target state instead.",
      '[Unit]', 'Description=FleetD app web', 'After=network-online.target', 'Wants=network-online.target', '',
      '[Service]', 'Type=exec', 'ExecStart="/opt/web/bin/web" "--port" "8080"', 'WorkingDirectory=/opt/web', 'Environment="PORT=8080"',
      'Restart=on-failure', 'RestartSec=1', 'MemoryMax=268435456', 'CPUQuota=150%', '',
      '[Install]', 'WantedBy=multi-user.target', ''
    ].join('\n'))
    expect(unitName('web')).toBe('fleetd-web.service')
  })

  it('quotes arguments with spaces, quotes, backslashes, specifiers, variables and control characters', () => {
    const unit = renderUnit('web', { execStart: ['/opt/my app/run', 'two words', 'say "hi"', "it's", 'C:\\dir', '100%', '$HOME', '${X}', 'line1\nline2\t\x01', ';', ''] })
    const expected = ['"/opt/my app/run"', '"two words"', '"say \\"hi\\""', '"it\'s"', '"C:\\\\dir"', '"100%%"', '"$$HOME"', '"$${X}"', '"line1\\nline2\\t\\x01"', '";"', '""']
    expect(unit).toContain(`\nExecStart=${expected.join(' ')}\n`)
  })

  it('quotes env assignments as whole words; `$` stays literal there but `%` is doubled', () => {
    const unit = renderUnit('web', { execStart: ['/bin/app'], env: { B: 'a b "c" \\ $HOME 5%', A: '' } })
    expect(unit).toContain(['Environment="A="', String.raw`Environment="B=a b \"c\" \\ $HOME 5%%"`].join('\n'))
  })

  it('maps the restart policy: never is systemd\'s no', () => {
    expect(renderUnit('web', { execStart: ['/bin/app'] })).toContain('\nRestart=no\n')
    expect(renderUnit('web', { execStart: ['/bin/app'], restart: 'always' })).toContain('\nRestart=always\n')
  })

  it.each([
    ['a relative program', 'web', { execStart: ['bin/app'] }, 'execStart[0]'],
    ['no program', 'web', { execStart: [] }, 'execStart[0]'],
    ['a quote in the program path', 'web', { execStart: ['/opt/a"b'] }, 'execStart[0]'],
    ['a bad env name', 'web', { execStart: ['/bin/app'], env: { 'A B': 'x' } }, 'env.A B'],
    ['a relative working dir', 'web', { execStart: ['/bin/app'], workingDir: 'apps/web' }, 'workingDir'],
    ['a zero memory limit', 'web', { execStart: ['/bin/app'], memoryMax: 0 }, 'memoryMax'],
    ['a negative CPU quota', 'web', { execStart: ['/bin/app'], cpuQuotaPercent: -5 }, 'cpuQuotaPercent'],
    ['an app name with a slash', '../web', { execStart: ['/bin/app'] }, 'app']
  ] as Array<[string, string, UnitSpec, string]>)('refuses %s, naming the field', (_what, app, spec, field) => {
    expect(() => renderUnit(app, spec)).toThrow(SystemdUnitError)
    try { renderUnit(app, spec) } catch (err) { expect(err).toMatchObject({ code: 'FLEET_ERR_SYSTEMD_UNIT', field }) }
  })

  it('quoteWord doubles `$` only where asked', () => {
    expect(quoteWord('$A', { dollar: true })).toBe('"$$A"')
    expect(quoteWord('$A', { dollar: false })).toBe('"$A"')
  })

  it('passes systemd-analyze verify, whose parser finds the program through the quoting', async (ctx) => {
    const analyze = await findExecutable('systemd-analyze')
    if (analyze === undefined) { ctx.skip(); return }
    const dir = await mkdtemp(join(tmpdir(), 'fleetd unit %$ '))
    try {
      const program = join(dir, 'bin dir', 'my app%1$x')
      await mkdir(join(dir, 'bin dir'))
      await copyFile('/bin/true', program)
      await chmod(program, 0o755)
      const unit = join(dir, unitName('web'))
      await writeFile(unit, renderUnit('web', {
        execStart: [program, 'a b', 'say "hi"', '\\', '%n', '$HOME', 'tab\there'], env: { X: 'quote " and \\ and %i' }, workingDir: dir, restart: 'always'
      }))
      const { stderr } = await run(analyze, ['verify', unit])
      // Any complaint (unknown escape, missing executable, bad setting) would be printed here.
      expect(stderr.split('\n').filter(l => l.includes(unit) || l.includes('fleetd-web'))).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
