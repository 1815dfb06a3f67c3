/**
 * Drives app units through systemctl. Each call checks that systemd is usable first, so on a
 * device without it every call fails with the same clear RuntimeUnavailableError.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { RuntimeUnavailableError } from '../errors.js'
import { quoteOutput, runTool } from '../run-tool.js'
import { SYSTEMCTL_OUTPUT_BYTES_MAX, SYSTEMCTL_OUTPUT_QUOTED_MAX, SYSTEMCTL_TIMEOUT_MS, UNIT_DIR } from './constants.js'
import { detectSystemd } from './detect.js'
import { SystemctlError } from './errors.js'
import { renderUnit, unitName } from './unit.js'
import type { SystemdDriver, SystemdInit, UnitSpec } from './index.js'
import type { AbortOptions } from '../../ports/index.js'

export class SystemctlDriver implements SystemdDriver {
  private readonly unitDir: string

  constructor (private readonly init: SystemdInit = {}) {
    this.unitDir = init.unitDir ?? UNIT_DIR
  }

  async writeUnit (app: string, spec: UnitSpec, options: AbortOptions = {}): Promise<{ path: string, changed: boolean }> {
    const text = renderUnit(app, spec)
    const systemctl = await this.systemctl()
    const path = join(this.unitDir, unitName(app))
    if (await readFile(path, 'utf8').catch(() => undefined) === text) return { path, changed: false }
    // Write then rename: systemd never reads a half-written unit, even after a crash.
    const tmp = `${path}.fleetd-tmp`
    await writeFile(tmp, text, { mode: 0o644 })
    await rename(tmp, path)
    await this.run(systemctl, ['daemon-reload'], options)
    return { path, changed: true }
  }

  async removeUnit (app: string, options: AbortOptions = {}): Promise<void> {
    const systemctl = await this.systemctl()
    await rm(join(this.unitDir, unitName(app)), { force: true })
    await this.run(systemctl, ['daemon-reload'], options)
  }

  async start (app: string, options: AbortOptions = {}): Promise<void> { await this.unitCommand('start', app, options) }
  async stop (app: string, options: AbortOptions = {}): Promise<void> { await this.unitCommand('stop', app, options) }
  async restart (app: string, options: AbortOptions = {}): Promise<void> { await this.unitCommand('restart', app, options) }

  async isActive (app: string, options: AbortOptions = {}): Promise<boolean> {
    const systemctl = await this.systemctl()
    // is-active exits 0 when active and non-zero (3) for inactive, failed or unknown units.
    const run = await runTool(systemctl, ['is-active', '--quiet', unitName(app)], { ...this.runOptions(), signal: options.signal })
    return run.code === 0
  }

  private async unitCommand (verb: 'start' | 'stop' | 'restart', app: string, options: AbortOptions): Promise<void> {
    await this.run(await this.systemctl(), [verb, unitName(app)], options)
  }

  private async systemctl (): Promise<string> {
    const found = await detectSystemd(this.init)
    if (!found.available) throw new RuntimeUnavailableError(`the systemd runtime needs systemd, which this device lacks: ${found.reason}; use the process runtime instead`, 'systemd')
    return found.systemctl
  }

  private async run (systemctl: string, args: string[], options: AbortOptions): Promise<void> {
    const run = await runTool(systemctl, args, { ...this.runOptions(), signal: options.signal })
    if (run.code !== 0) {
      const how = run.code === null ? 'was stopped (timeout)' : `exited with ${run.code}`
      throw new SystemctlError(`systemctl ${args.join(' ')} ${how}: ${quoteOutput(run.stderr + run.stdout, SYSTEMCTL_OUTPUT_QUOTED_MAX)}`, run.code)
    }
  }

  private runOptions (): { timeoutMs: number, outputBytesMax: number, env: NodeJS.ProcessEnv } {
    return { timeoutMs: SYSTEMCTL_TIMEOUT_MS, outputBytesMax: SYSTEMCTL_OUTPUT_BYTES_MAX, env: { ...process.env, PATH: this.init.pathEnv ?? process.env.PATH } }
  }
}
