/**
 * The systemd runtime: an app runs as the unit `fleetd-<app>.service`, written to
 * /etc/systemd/system and driven with systemctl, so it survives the agent and is visible to
 * the OS's own tools. Available only where systemd is PID 1 (`detectSystemd`); elsewhere every
 * driver call throws `RuntimeUnavailableError` and the agent reports the app as failed.
 *
 * @example
 * ```ts
 * import { detectSystemd, renderUnit, systemd } from './index.js'
 *
 * const spec = { execStart: ['/var/lib/fleetd/apps/web/1.4.2/bin/web', '--port', '8080'], env: { MODE: 'edge' }, workingDir: '/var/lib/fleetd/apps/web/1.4.2', restart: 'on-failure' as const, memoryMax: 256 * 1024 * 1024, cpuQuotaPercent: 150 }
 * console.log(renderUnit('web', spec))
 * const found = await detectSystemd()
 * if (found.available) {
 *   const driver = systemd()
 *   await driver.writeUnit('web', spec)
 *   await driver.start('web')
 *   console.log(await driver.isActive('web'))
 * } else console.log(found.reason)
 * ```
 */
import { SystemctlDriver } from './driver.js'
import type { AbortOptions } from '../../ports/index.js'

export interface SystemdInit {
  /** Where units are written. @default '/etc/systemd/system' */
  unitDir?: string
  /** Exists iff systemd is PID 1. @default '/run/systemd/system' */
  runDir?: string
  /** Where systemctl is looked up (and the PATH it runs with). @default process.env.PATH */
  pathEnv?: string
}

export interface UnitSpec {
  /** The program (an absolute path) and its arguments, passed exactly as given. */
  execStart: string[]
  env?: Record<string, string>
  /** Absolute path; usually the installed version's dir. */
  workingDir?: string
  /** The runtime's restart policy; `never` is systemd's `no`. @default 'never' */
  restart?: 'always' | 'on-failure' | 'never'
  /** Bytes (MemoryMax=, enforced through the unit's cgroup). */
  memoryMax?: number
  /** Percent of one CPU (CPUQuota=): 150 is one and a half CPUs. */
  cpuQuotaPercent?: number
}

export interface SystemdDriver {
  /** Writes (atomically) and reloads when the text changed; `changed: false` means it was already so. */
  writeUnit(app: string, spec: UnitSpec, options?: AbortOptions): Promise<{ path: string, changed: boolean }>
  removeUnit(app: string, options?: AbortOptions): Promise<void>
  start(app: string, options?: AbortOptions): Promise<void>
  stop(app: string, options?: AbortOptions): Promise<void>
  restart(app: string, options?: AbortOptions): Promise<void>
  isActive(app: string, options?: AbortOptions): Promise<boolean>
}

export function systemd (init: SystemdInit = {}): SystemdDriver {
  return new SystemctlDriver(init)
}

export { detectSystemd } from './detect.js'
export type { DetectSystemdOptions, SystemdAvailability } from './detect.js'
export { quoteWord, renderUnit, unitName } from './unit.js'
export { SYSTEMD_RUN_DIR, UNIT_DIR, UNIT_PREFIX } from './constants.js'
export { SystemctlError, SystemdUnitError } from './errors.js'
export { RuntimeUnavailableError } from '../errors.js'
