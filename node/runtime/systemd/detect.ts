/** Is systemd usable here? It must be PID 1 (its run dir exists) and systemctl must be on PATH. */
import { readFile, stat } from 'node:fs/promises'
import { findExecutable } from '../availability.js'
import { SYSTEMD_RUN_DIR } from './constants.js'
import type { Availability } from '../availability.js'

export interface DetectSystemdOptions {
  /** The directory that exists iff systemd runs as PID 1. @default '/run/systemd/system' */
  runDir?: string
  /** Where systemctl is looked up. @default process.env.PATH */
  pathEnv?: string
}

export type SystemdAvailability = Availability<{ systemctl: string }>

export async function detectSystemd (options: DetectSystemdOptions = {}): Promise<SystemdAvailability> {
  const runDir = options.runDir ?? SYSTEMD_RUN_DIR
  const booted = (await stat(runDir).catch(() => undefined))?.isDirectory() === true
  if (!booted) {
    // Naming PID 1 turns "not available" into something an operator can check (a container, an init script OS).
    const init = (await readFile('/proc/1/comm', 'utf8').catch(() => 'unknown')).trim()
    return { available: false, reason: `systemd is not running on this device: ${runDir} is missing (PID 1 is '${init}', not systemd)` }
  }
  const systemctl = await findExecutable('systemctl', options.pathEnv)
  if (systemctl === undefined) return { available: false, reason: 'systemd runs, but systemctl is not on the agent\'s PATH' }
  return { available: true, systemctl }
}
