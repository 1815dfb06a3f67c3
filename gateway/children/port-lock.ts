/**
 * One process per serial port: a gateway fleet-node holds the lock of each of its ports while it
 * runs, `fleet-node mcu info|flash` for the time of its work. Two drivers on one UART would
 * interleave frames and corrupt an OTA, and serialport's own exclusive open does not help when
 * one side has the port closed between probes. A lock file per port (by its real path, so a
 * symlink and its target are one port) holds the owner's pid and role; a lock whose pid is gone
 * is stale and taken over.
 */
import { existsSync } from 'node:fs'
import { open, readFile, realpath, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PortLockedError } from './errors.js'

export interface PortLock {
  readonly path: string
  release(): Promise<void>
}

/** `/run/lock` (where serial tools put their locks) when present, else the temp dir; FLEETD_LOCK_DIR overrides. */
export function portLockDir (): string {
  const fromEnv = process.env.FLEETD_LOCK_DIR
  if (fromEnv != null && fromEnv !== '') return fromEnv
  return existsSync('/run/lock') ? '/run/lock' : tmpdir()
}

export async function portLockPath (port: string, dir = portLockDir()): Promise<string> {
  const real = await realpath(port).catch(() => port)
  return join(dir, `fleetd-port${real.replace(/[^A-Za-z0-9._-]/g, '_')}.lock`)
}

/**
 * Takes the lock of `port` for `role` (said in the other side's error) or throws PortLockedError
 * naming the process that holds it and what to do.
 */
export async function lockPort (port: string, role: string, dir = portLockDir()): Promise<PortLock> {
  const path = await portLockPath(port, dir)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(path, 'wx', 0o644)
      await file.writeFile(`${process.pid} ${role}\n`)
      await file.close()
      return { path, release: async () => { await releaseIfOurs(path) } }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new PortLockedError(`cannot create the lock ${path} for ${port}: ${(err as Error).message}; set FLEETD_LOCK_DIR to a writable directory`, { cause: err })
    }
    const holder = await readHolder(path)
    if (holder != null && holder.pid !== process.pid && alive(holder.pid)) {
      throw new PortLockedError(`${port} is in use by ${holder.role} (pid ${holder.pid}); stop it or wait for it to finish${holder.role.startsWith('gateway') ? ', or take the port out of its --gateway flags' : ''} (lock ${path})`)
    }
    if (holder?.pid === process.pid) throw new PortLockedError(`${port} is already used by this process as ${holder.role}; give each port once`)
    await unlink(path).catch(() => {}) // stale: its process is gone
  }
  throw new PortLockedError(`${port}: another process took the lock ${path} at the same moment; try again`)
}

async function readHolder (path: string): Promise<{ pid: number, role: string } | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '')
  const match = /^(\d+) (.*)$/m.exec(text)
  return match == null ? undefined : { pid: Number(match[1]), role: match[2] ?? '' }
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function releaseIfOurs (path: string): Promise<void> {
  const holder = await readHolder(path)
  if (holder?.pid === process.pid) await unlink(path).catch(() => {})
}
